import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, isAppError, type Logger } from '../../kernel/index.js';
import {
  type AuthenticateInput,
  type BrokerHooks,
  type CapturedPublish,
  type CaptureVerdict,
  type ConnectedEvent,
  type DeliveredEvent,
  type DisconnectedEvent,
  type Principal,
  ReasonCode,
  type Refusal,
  type SubscribedEvent,
  type SubscribeVerdict,
} from '../../mqtt/index.js';
import { guarded, type Store } from '../../store/store.js';
import type { Principal as ApiPrincipal, DevicePrincipal, Scope } from '../access/index.js';
import { DEFAULT_TENANT_ID, scopeAllows } from '../access/index.js';
import type { CaptureOrderKey, CaptureOutcome, Frame } from '../capture/index.js';
import type { ConnectedDevice, DeviceConnectionListener } from './device-presence.js';
import { DeviceTopicRouter, type TopicDevice } from './device-topics.js';
import type { TopicPolicies } from './topic-policies.js';
import {
  deviceSubtreePolicy,
  evaluateSubscribePolicy,
  evaluateTopicPolicy,
  isServerTopic,
  type TopicRule,
} from './topic-rules.js';
import { isAnyUplinkTopic, uplinkDelivery, uplinkFrame } from './uplink-frame.js';

/** What the hooks need from the rest of Fleetport; the composition root passes them in. */
export interface MqttAccessDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Resolves a device token (the devices module's `DeviceAuthenticator`). */
  readonly authenticateDevice: (token: string) => Promise<DevicePrincipal>;
  /** Resolves an API key (the access module's `authenticate`). */
  readonly authenticateKey: (secret: string) => Promise<ApiPrincipal>;
  readonly policies: TopicPolicies;
  /**
   * The capture pipeline (`CapturePipeline.captureWhenRead`): the uplink's place in
   * capture's order, and how to read its frame.
   */
  readonly capture: (order: CaptureOrderKey, read: () => Promise<Frame>) => Promise<CaptureOutcome>;
  /** The sequence counter width of a device type (`TypeSettings.get(…).sequenceBits`). */
  readonly sequenceBits: (tenantId: string, typeId: string) => Promise<number>;
}

export interface MqttAccessOptions {
  /** Clients without credentials join this tenant as `anonymous`; refused when unset. */
  readonly anonymousTenant?: string | undefined;
}

/** The part of the broker the hooks act on when a device's access changes. */
export interface ConnectedClients {
  clients(tenantId?: string): readonly {
    readonly clientId: string;
    readonly principal: { readonly kind: string; readonly id: string };
  }[];
  disconnect(tenantId: string, clientId: string): boolean;
}

/** What a connection authenticated with, beyond the broker's `Principal`. */
interface Grant {
  readonly typeId?: string;
  readonly scope?: Scope;
}

const STORED: CaptureVerdict = Object.freeze({ duplicate: false });
const DUPLICATE: CaptureVerdict = Object.freeze({ duplicate: true });
const IDENTITY_CONFLICT: CaptureVerdict = Object.freeze({
  duplicate: false,
  reasonCode: ReasonCode.implementationSpecificError,
});

/** How long a resolved certificate fingerprint is trusted without asking the database again. */
const CERTIFICATE_TTL_MS = 5_000;
const MAX_CERTIFICATES = 100_000;

/**
 * Fleetport's broker hooks. Devices connect with a device token as password (any user
 * name) or a registered TLS client certificate and live in `devices/{deviceId}/…`;
 * applications connect with an API key as password and see the tenant's whole namespace
 * (reader keys subscribe only). Tenant topic policies apply on top. Uplinks of a device
 * go through the capture pipeline before they are acknowledged.
 */
export class MqttAccess implements BrokerHooks {
  readonly #deps: MqttAccessDeps;
  readonly #anonymousTenant: string | undefined;
  readonly #grants = new WeakMap<Principal, Grant>();
  readonly #certificates = new Map<
    string,
    { principal: DevicePrincipal; expiresAt: number | null; cachedAt: number }
  >();
  #broker: ConnectedClients | undefined;
  /** Where modules register their device subtrees (`devices/{id}/{subtree}/…`); capture owns `up`. */
  readonly deviceTopics = new DeviceTopicRouter();
  readonly #connectionListeners: DeviceConnectionListener[] = [];

  constructor(deps: MqttAccessDeps, { anonymousTenant }: MqttAccessOptions = {}) {
    this.#deps = deps;
    this.#anonymousTenant = anonymousTenant;
    this.deviceTopics.register('up', ({ device, publish }) => this.#uplink(device, publish));
    deps.bus.subscribe('device.access_changed', ({ tenantId, deviceId }) => {
      for (const [fingerprint, entry] of this.#certificates) {
        if (entry.principal.tenantId === tenantId && entry.principal.deviceId === deviceId)
          this.#certificates.delete(fingerprint);
      }
      this.#disconnectDevice(tenantId, deviceId);
    });
    deps.bus.subscribe('api_key.revoked', ({ tenantId, keyId }) =>
      this.#disconnectApplication(tenantId, keyId),
    );
  }

  /** An API key was revoked: the applications connected with it lose their connections. */
  #disconnectApplication(tenantId: string, keyId: string): void {
    const broker = this.#broker;
    if (broker === undefined) return;
    for (const client of broker.clients(tenantId)) {
      if (client.principal.kind === 'application' && client.principal.id === keyId) {
        broker.disconnect(tenantId, client.clientId);
        this.#deps.logger.info(
          { tenantId, keyId, clientId: client.clientId },
          'mqtt: API key revoked, connection ended',
        );
      }
    }
  }

  /**
   * Checks the configuration against the database: the anonymous tenant must exist, or be
   * the default tenant that this first start creates once its ports are bound.
   */
  async start(): Promise<void> {
    const tenant = this.#anonymousTenant;
    if (tenant === undefined) return;
    const { db } = this.#deps.store;
    const [named, any] = await guarded(this.#deps.store, () =>
      Promise.all([
        db.selectFrom('tenants').select('id').where('id', '=', tenant).executeTakeFirst(),
        db.selectFrom('tenants').select('id').limit(1).executeTakeFirst(),
      ]),
    );
    const firstStart = any === undefined && tenant === DEFAULT_TENANT_ID;
    if (!named && !firstStart) {
      throw new AppError('validation_failed', `the MQTT anonymous tenant '${tenant}' does not exist`, {
        field: 'mqttAnonymousTenant',
      });
    }
  }

  /** Tells `listener` when devices connect, subscribe, disconnect and acknowledge tracked messages (commands deliver queued downlinks). */
  onDeviceConnection(listener: DeviceConnectionListener): void {
    this.#connectionListeners.push(listener);
  }

  connected(principal: Principal, event: ConnectedEvent): Promise<void> | undefined {
    const device = connectedDevice(principal);
    if (device === undefined) return undefined;
    return this.#tell((listener) => listener.connected?.(device, event));
  }

  subscribed(principal: Principal, event: SubscribedEvent): Promise<void> | undefined {
    const device = connectedDevice(principal);
    if (device === undefined) return undefined;
    return this.#tell((listener) => listener.subscribed?.(device, event));
  }

  disconnected(principal: Principal, event: DisconnectedEvent): Promise<void> | undefined {
    const device = connectedDevice(principal);
    if (device === undefined) return undefined;
    return this.#tell((listener) => listener.disconnected?.(device, event));
  }

  delivered(principal: Principal, event: DeliveredEvent): Promise<void> | undefined {
    const device = connectedDevice(principal);
    // Only the device's own topics: an application subscribed to them acknowledges its copy, not the device's.
    if (device === undefined || !event.topic.startsWith(`devices/${device.deviceId}/`)) return undefined;
    return this.#tell((listener) => listener.delivered?.(device, event));
  }

  /** Every listener is told, whatever another one does; the first failure is reported. */
  async #tell(call: (listener: DeviceConnectionListener) => void | Promise<void>): Promise<void> {
    if (this.#connectionListeners.length === 0) return;
    const results = await Promise.allSettled(
      this.#connectionListeners.map(async (listener) => call(listener)),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Lets the hooks end live connections whose credentials went away. */
  bindBroker(broker: ConnectedClients): void {
    this.#broker = broker;
  }

  /**
   * A device's credentials were removed, or it was deleted or changed type: its live
   * connections were authenticated under facts that may no longer hold, so they are
   * ended and must authenticate again (a persistent session survives this).
   */
  #disconnectDevice(tenantId: string, deviceId: string): void {
    const broker = this.#broker;
    if (broker === undefined) return;
    for (const client of broker.clients(tenantId)) {
      if (client.principal.kind === 'device' && client.principal.id === deviceId) {
        broker.disconnect(tenantId, client.clientId);
        this.#deps.logger.info(
          { tenantId, deviceId, clientId: client.clientId },
          'mqtt: device access changed, connection ended',
        );
      }
    }
  }

  async authenticate(input: AuthenticateInput): Promise<Principal | Refusal> {
    if (input.password !== undefined && input.password.length > 0) {
      const secret = input.password.toString('utf8');
      return secret.startsWith('fpk_') ? this.#application(secret) : this.#device(secret);
    }
    if (input.certificateFingerprint !== undefined) return this.#certificate(input.certificateFingerprint);
    if (this.#anonymousTenant !== undefined) {
      return this.#mint({ tenantId: this.#anonymousTenant, kind: 'anonymous', id: input.clientId }, {});
    }
    return {
      reasonCode: ReasonCode.notAuthorized,
      reason: 'credentials are required: a device token or API key as password, or a client certificate',
    };
  }

  #mint(principal: Principal, grant: Grant): Principal {
    this.#grants.set(principal, grant);
    return principal;
  }

  async #application(secret: string): Promise<Principal | Refusal> {
    try {
      const key = await this.#deps.authenticateKey(secret);
      return this.#mint({ tenantId: key.tenantId, kind: 'application', id: key.keyId }, { scope: key.scope });
    } catch (error) {
      if (isAppError(error) && error.code === 'unauthenticated')
        return { reasonCode: ReasonCode.badUserNameOrPassword, reason: error.message };
      throw error;
    }
  }

  async #device(token: string): Promise<Principal | Refusal> {
    try {
      return this.#devicePrincipal(await this.#deps.authenticateDevice(token));
    } catch (error) {
      if (isAppError(error) && error.code === 'unauthenticated')
        return { reasonCode: ReasonCode.badUserNameOrPassword, reason: error.message };
      throw error;
    }
  }

  #devicePrincipal(device: DevicePrincipal): Principal {
    return this.#mint(
      { tenantId: device.tenantId, kind: 'device', deviceId: device.deviceId, id: device.deviceId },
      { typeId: device.typeId },
    );
  }

  async #certificate(fingerprint: string): Promise<Principal | Refusal> {
    const now = this.#deps.clock.now();
    const hit = this.#certificates.get(fingerprint);
    if (hit && now - hit.cachedAt < CERTIFICATE_TTL_MS && (hit.expiresAt === null || hit.expiresAt > now))
      return this.#devicePrincipal(hit.principal);
    this.#certificates.delete(fingerprint);
    const row = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('device_credentials as c')
        .innerJoin('devices as d', (join) =>
          join.onRef('d.tenant_id', '=', 'c.tenant_id').onRef('d.id', '=', 'c.device_id'),
        )
        .select([
          'c.id as credential_id',
          'c.expires_at',
          'd.tenant_id',
          'd.id as device_id',
          'd.type_id',
          'd.deleted_at',
        ])
        .where('c.fingerprint', '=', fingerprint)
        .where('c.kind', '=', 'x509')
        .executeTakeFirst(),
    );
    const refused = (reason: string): Refusal => ({ reasonCode: ReasonCode.badUserNameOrPassword, reason });
    if (!row) return refused('the client certificate is not registered on any device');
    if (row.expires_at !== null && row.expires_at <= now)
      return refused('the client certificate credential has expired');
    if (row.deleted_at !== null) return refused('the device of this certificate is deleted');
    const principal: DevicePrincipal = {
      tenantId: row.tenant_id,
      deviceId: row.device_id,
      typeId: row.type_id,
      credentialId: row.credential_id,
    };
    if (this.#certificates.size >= MAX_CERTIFICATES) this.#certificates.clear();
    this.#certificates.set(fingerprint, { principal, expiresAt: row.expires_at, cachedAt: now });
    return this.#devicePrincipal(principal);
  }

  authorizePublish(principal: Principal, topic: string): boolean | Promise<boolean> {
    const grant = this.#grants.get(principal);
    if (grant === undefined) return false;
    if (principal.kind === 'application') {
      if (grant.scope === undefined || !scopeAllows(grant.scope, 'operator')) return false;
      // Uplink topics carry what devices said; only the device itself may speak there.
      if (isAnyUplinkTopic(topic)) return false;
    }
    if (!deviceSubtreePolicy(principal, topic) || isServerTopic(topic)) return false;
    return this.#policy(principal, 'publish', topic);
  }

  /**
   * A subscription the tenant's policy denies part of is granted without those topics
   * (`#` with `secret/#` denied receives everything else); one it denies whole is refused:
   * 0x87 not authorized, or to anonymous clients 0x80 unspecified error — the server need
   * not tell an unauthenticated client why (MQTT 5 §3.9.3, 0x80: "the Server either does
   * not wish to reveal the reason or none of the other Reason Codes apply").
   */
  authorizeSubscribe(principal: Principal, filter: string): SubscribeVerdict | Promise<SubscribeVerdict> {
    if (!this.#grants.has(principal)) return false;
    if (!deviceSubtreePolicy(principal, filter)) return false;
    const decide = (rules: readonly TopicRule[]): SubscribeVerdict => {
      const verdict = evaluateSubscribePolicy(rules, principal, filter);
      if (verdict === false && principal.kind === 'anonymous')
        return { reasonCode: ReasonCode.unspecifiedError };
      return verdict;
    };
    const rules = this.#deps.policies.rules(principal.tenantId);
    return rules instanceof Promise ? rules.then(decide) : decide(rules);
  }

  #policy(principal: Principal, action: 'publish', topic: string): boolean | Promise<boolean> {
    const rules = this.#deps.policies.rules(principal.tenantId);
    if (rules instanceof Promise)
      return rules.then((loaded) => evaluateTopicPolicy(loaded, principal, action, topic));
    return evaluateTopicPolicy(rules, principal, action, topic);
  }

  /** A device's publish on a registered subtree goes to its module; any other is routed as it is. */
  capture(principal: Principal, publish: CapturedPublish): false | Promise<CaptureVerdict> {
    if (principal.kind !== 'device') return false;
    return this.deviceTopics.dispatch(principal, this.#grants.get(principal)?.typeId, publish);
  }

  /**
   * `devices/{id}/up` and `devices/{id}/up/{channel…}`: uplinks, stored before they are
   * acknowledged. The uplink takes its place in capture's order as it arrives, before its
   * type's counter width is read (`capture-order.ts`).
   */
  async #uplink(device: TopicDevice, publish: CapturedPublish): Promise<CaptureVerdict> {
    const receivedAt = this.#deps.clock.now();
    try {
      const outcome = await this.#deps.capture(
        { tenantId: device.tenantId, delivery: uplinkDelivery(publish) },
        async () => {
          const seqBits = await this.#deps.sequenceBits(device.tenantId, device.typeId);
          return uplinkFrame(device, publish, { receivedAt, seqBits });
        },
      );
      return outcome.duplicate ? DUPLICATE : STORED;
    } catch (error) {
      // The identity names another stored message: resending cannot help (docs/MQTT.md).
      if (isAppError(error) && error.code === 'identity_conflict') return IDENTITY_CONFLICT;
      throw error;
    }
  }
}

function connectedDevice(principal: Principal): ConnectedDevice | undefined {
  if (principal.kind !== 'device' || principal.deviceId === undefined) return undefined;
  return { tenantId: principal.tenantId, deviceId: principal.deviceId };
}
