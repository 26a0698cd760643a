import type { EventBus } from '../../bus/event-bus.js';
import { jsonProblem } from '../../http/index.js';
import { AppError, isAppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import {
  type CaptureVerdict,
  type ConnectedEvent,
  ReasonCode,
  type SubscribedEvent,
  topicMatches,
} from '../../mqtt/index.js';
import type {
  ConnectedDevice,
  DeviceConnectionListener,
  DeviceMessage,
  DevicePresenceView,
  DevicePublish,
  DeviceSender,
  TopicDevice,
} from '../mqtt-access/index.js';
import type { TwinService } from './twin-service.js';

export interface TwinMqttDeps {
  readonly twins: TwinService;
  readonly devices: DeviceSender;
  readonly presence: Pick<DevicePresenceView, 'listening'>;
  readonly bus: EventBus;
  readonly logger: Logger;
}

/** The largest twin request payload read (a reported document is at most 16 KiB). */
const MAX_REQUEST_BYTES = 64 * 1024;
const ACCEPTED: CaptureVerdict = Object.freeze({ duplicate: false });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Codes of a request the device must change before sending it again. */
const BAD_INPUT = new Set([
  'validation_failed',
  'twin_too_large',
  'twin_too_deep',
  'json_too_deep',
  'forbidden_key',
  'invalid_text',
  'malformed_body',
]);

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The device's side of its twin over MQTT, below `devices/{id}/twin/`:
 *   - `get[/{rid}]`: answered with the twin on the MQTT 5 response topic (with the
 *     correlation data), or else on `twin/res/{status}[/{rid}]`;
 *   - `reported[/{rid}]`: a merge patch of reported; `failed[/{rid}]`: parameters the
 *     device could not apply (name → reason); answered the same way when the device asks
 *     (a response topic or a request id);
 *   - `desired` is where the server publishes what is outstanding (the delta and the
 *     parameters to send again) to a device subscribed there: when desired changes, when
 *     it reconnects to a session that has the subscription, and when it subscribes.
 *     `desired` and `res/…` are the server's: nobody else publishes there.
 */
export class TwinMqtt implements DeviceConnectionListener {
  readonly #deps: TwinMqttDeps;
  /** Deliveries per device run one after another, so that deltas reach it in version order. */
  readonly #deliveries = new Map<string, Promise<void>>();
  /** The last payload published to each device, and on which connection (when a connection event sent it). */
  readonly #lastSent = new Map<string, string>();

  constructor(deps: TwinMqttDeps) {
    this.#deps = deps;
    deps.bus.subscribe('twin.desired_changed', ({ tenantId, deviceId }) =>
      this.#deliverIfListening(tenantId, deviceId),
    );
  }

  /** The `twin` subtree's handler for the device-topic router. */
  readonly handle = async (input: DevicePublish): Promise<CaptureVerdict> => {
    const { device, rest, publish } = input;
    const slash = rest.indexOf('/');
    const action = slash < 0 ? rest : rest.slice(0, slash);
    const requestId = slash < 0 ? undefined : rest.slice(slash + 1);
    if (action !== 'get' && action !== 'reported' && action !== 'failed')
      return { duplicate: false, reasonCode: ReasonCode.notAuthorized };
    const responseTopic = publish.properties.responseTopic;
    const ownPrefix = `devices/${device.deviceId}/`;
    // Answers go to the device's own topics only; it could not subscribe elsewhere anyway.
    if (responseTopic !== undefined && !responseTopic.startsWith(ownPrefix))
      return { duplicate: false, reasonCode: ReasonCode.topicNameInvalid };
    let answer: Answer;
    let verdict = ACCEPTED;
    try {
      answer = await this.#perform(device, action, publish.payload);
    } catch (error) {
      if (!isAppError(error) || !BAD_INPUT.has(error.code)) throw error;
      answer = { status: error.status, body: { code: error.code, message: error.message, data: error.data } };
      verdict = { duplicate: false, reasonCode: ReasonCode.payloadFormatInvalid };
    }
    // `get` is always answered; a report only when the device asked for an answer.
    if (action === 'get' || responseTopic !== undefined || requestId !== undefined) {
      const message: DeviceMessage = {
        subtopic:
          responseTopic === undefined
            ? `twin/res/${answer.status}${requestId === undefined ? '' : `/${requestId}`}`
            : responseTopic.slice(ownPrefix.length),
        payload: JSON.stringify(answer.body),
        qos: publish.qos === 0 ? 0 : 1,
        contentType: 'application/json',
        userProperties: { status: String(answer.status) },
        ...(publish.properties.correlationData === undefined
          ? {}
          : { correlationData: publish.properties.correlationData }),
      };
      await this.#deps.devices.publish(device.tenantId, device.deviceId, message);
    }
    return verdict;
  };

  async #perform(
    device: TopicDevice,
    action: 'get' | 'reported' | 'failed',
    payload: Buffer,
  ): Promise<Answer> {
    const { twins } = this.#deps;
    if (action === 'get')
      return { status: 200, body: await twins.handOver(device.tenantId, device.deviceId) };
    const body = parsePayload(payload);
    if (action === 'reported') {
      const twin = await twins.patchReported(device.tenantId, device.deviceId, body);
      return { status: 200, body: { reportedVersion: twin.reportedVersion } };
    }
    const failures = checkFailures(body);
    return {
      status: 200,
      body: { failed: await twins.failParameters(device.tenantId, device.deviceId, failures) },
    };
  }

  /** A resumed session has its subscriptions: what it missed reaches it now. */
  connected(device: ConnectedDevice, event: ConnectedEvent): void {
    this.#deliverIfListening(device.tenantId, device.deviceId, event.connectionId);
  }

  /** A device that (re)subscribes to its deltas gets what is outstanding. */
  subscribed(device: ConnectedDevice, event: SubscribedEvent): void {
    const topic = `devices/${device.deviceId}/twin/desired`;
    if (event.filters.some((filter) => topicMatches(filter, topic)))
      this.#deliver(device.tenantId, device.deviceId, event.connectionId);
  }

  disconnected(device: ConnectedDevice): void {
    this.#lastSent.delete(key(device.tenantId, device.deviceId));
  }

  #deliverIfListening(tenantId: string, deviceId: string, connectionId?: string): void {
    // Sent means published to a subscription of the device, not dropped for want of one.
    if (this.#deps.presence.listening(tenantId, deviceId, 'twin/desired'))
      this.#deliver(tenantId, deviceId, connectionId);
  }

  /** Resolves once the deliveries started so far are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#deliveries.size > 0) await Promise.all(this.#deliveries.values());
  }

  /**
   * Publishes what is outstanding, one delivery per device at a time. A connection event
   * (`connectionId`) does not send the same payload twice to the same connection: a
   * resumed session that subscribes again would otherwise get it twice. A change or a
   * resend always sends.
   */
  #deliver(tenantId: string, deviceId: string, connectionId?: string): void {
    const at = key(tenantId, deviceId);
    const previous = this.#deliveries.get(at) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const { twins, devices } = this.#deps;
        const outstanding = await twins.outstanding(tenantId, deviceId);
        if (outstanding === undefined) return;
        const payload = JSON.stringify(outstanding.payload);
        if (connectionId !== undefined && this.#lastSent.get(at) === `${connectionId}\u0000${payload}`)
          return;
        // Recorded first, so that a device quick to report the value finds it sent, not pending.
        await twins.markSent(tenantId, deviceId, outstanding.names, outstanding.version);
        await devices.publish(tenantId, deviceId, {
          subtopic: 'twin/desired',
          payload,
          qos: 1,
          contentType: 'application/json',
        });
        this.#lastSent.set(at, `${connectionId ?? ''}\u0000${payload}`);
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.#deps.logger.error({ err: error, tenantId, deviceId }, 'twins: delivering the delta failed'),
      )
      .finally(() => {
        if (this.#deliveries.get(at) === next) this.#deliveries.delete(at);
      });
    this.#deliveries.set(at, next);
  }
}

function key(tenantId: string, deviceId: string): string {
  return `${tenantId}\u0000${deviceId}`;
}

/** A request's JSON payload, with the checks every JSON body gets over HTTP. */
function parsePayload(payload: Buffer): unknown {
  if (payload.length > MAX_REQUEST_BYTES)
    throw new AppError(
      'twin_too_large',
      `the payload has ${payload.length} bytes; at most ${MAX_REQUEST_BYTES}`,
      {
        bytes: payload.length,
        maxBytes: MAX_REQUEST_BYTES,
      },
    );
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(payload));
  } catch {
    throw new AppError('malformed_body', 'the payload is not UTF-8 JSON');
  }
  const problem = jsonProblem(value, 'the payload');
  if (problem) throw problem;
  return value;
}

/** `failed`'s payload: property name → reason (a string). */
function checkFailures(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0)
    throw new AppError('validation_failed', 'failed takes a JSON object: property name → reason');
  for (const [name, reason] of Object.entries(body)) {
    if (typeof reason !== 'string' || name.length === 0 || name.length > 128)
      throw new AppError('validation_failed', `'${name.slice(0, 40)}': the reason must be a string`, {
        field: name.slice(0, 128),
      });
  }
  return body as Record<string, string>;
}

/** Where the twin's MQTT side plugs in: the device-topic router and the connection hooks (`MqttAccess`). */
export interface TwinMqttSeams {
  readonly deviceTopics: {
    register(subtree: string, handler: (input: DevicePublish) => Promise<CaptureVerdict>): void;
  };
  onDeviceConnection(listener: DeviceConnectionListener): void;
}

/** Registers the `twin` device subtree and the reconnect delivery; returns the running side. */
export function registerTwinMqtt(seams: TwinMqttSeams, deps: TwinMqttDeps): TwinMqtt {
  const twinMqtt = new TwinMqtt(deps);
  seams.deviceTopics.register('twin', twinMqtt.handle);
  seams.onDeviceConnection(twinMqtt);
  return twinMqtt;
}
