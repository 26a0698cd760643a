import { type Static, Type } from 'typebox';
import type { EventBus } from '../../bus/event-bus.js';
import { type App, principalOf } from '../../http/index.js';
import { AppError, type Clock, hashSecret, newSecret, notFound, prefixedId } from '../../kernel/index.js';
import { guarded, type Store } from '../../store/store.js';
import type { CallbackPrincipal } from '../access/index.js';

/**
 * Network servers (the Sigfox backend, LoRaWAN network servers) call Fleetport with a
 * secret of the device type their callback is configured for. Secrets are 256-bit,
 * stored as SHA-256, shown once, and a type may hold several so that they can be rotated.
 */
export interface CallbackSecretDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
}

const DeviceTypeIdParam = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' });

export const CallbackSecret = Type.Object(
  {
    id: Type.String(),
    deviceTypeId: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'CallbackSecret' },
);
export type CallbackSecret = Static<typeof CallbackSecret>;

const CreatedCallbackSecret = Type.Intersect([
  CallbackSecret,
  Type.Object({
    secret: Type.String({
      description: 'shown only once: configure it as the X-Fleetport-Secret header of the callback',
    }),
  }),
]);

const CreateBody = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })) },
  { additionalProperties: false },
);

/** How long a resolved secret is trusted without asking the database again. */
const SECRET_TTL_MS = 5_000;
const MAX_CACHED_SECRETS = 10_000;

/**
 * Resolves callback secrets; a secret must belong to the device type the callback names.
 * Network servers call once per frame and base station, so a resolved secret is kept for
 * a few seconds; revoking a secret or deleting its type drops it at once in this process
 * (`device_type.access_changed`), other processes within the TTL.
 */
export class CallbackAuthenticator {
  readonly #deps: CallbackSecretDeps;
  readonly #cache = new Map<string, { principal: CallbackPrincipal; cachedAt: number }>();

  constructor(deps: CallbackSecretDeps) {
    this.#deps = deps;
    deps.bus.subscribe('device_type.access_changed', ({ tenantId, typeId }) => {
      for (const [hash, entry] of this.#cache) {
        if (entry.principal.tenantId === tenantId && entry.principal.typeId === typeId)
          this.#cache.delete(hash);
      }
    });
  }

  authenticate(secret: string, deviceTypeId: string): Promise<CallbackPrincipal> {
    return this.authenticateHash(hashSecret(secret), deviceTypeId);
  }

  /** As `authenticate`, from the secret's SHA-256 (hex): a resync's records keep only that. */
  async authenticateHash(hash: string, deviceTypeId: string): Promise<CallbackPrincipal> {
    const now = this.#deps.clock.now();
    let principal = this.#cache.get(hash);
    if (!principal || now - principal.cachedAt >= SECRET_TTL_MS) {
      const row = await guarded(this.#deps.store, () =>
        this.#deps.store.db
          .selectFrom('callback_secrets')
          .select(['tenant_id', 'type_id'])
          .where('secret_hash', '=', hash)
          .executeTakeFirst(),
      );
      if (!row) {
        this.#cache.delete(hash);
        throw new AppError(
          'unauthenticated',
          `the callback secret is not valid for device type '${deviceTypeId}'`,
        );
      }
      principal = { principal: { tenantId: row.tenant_id, typeId: row.type_id }, cachedAt: now };
      if (this.#cache.size >= MAX_CACHED_SECRETS) this.#cache.clear();
      this.#cache.set(hash, principal);
    }
    if (principal.principal.typeId !== deviceTypeId) {
      throw new AppError(
        'unauthenticated',
        `the callback secret is not valid for device type '${deviceTypeId}'`,
      );
    }
    return principal.principal;
  }
}

async function requireType(deps: CallbackSecretDeps, tenantId: string, typeId: string): Promise<void> {
  const found = await guarded(deps.store, () =>
    deps.store.db
      .selectFrom('device_types')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', typeId)
      .executeTakeFirst(),
  );
  if (!found) throw notFound('device type', typeId);
}

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** Routes to create, list and revoke a device type's callback secrets. */
export function registerCallbackSecretRoutes(app: App, deps: CallbackSecretDeps): void {
  const iso = (ms: number) => new Date(ms).toISOString();

  app.post(
    '/v1/device-types/:deviceTypeId/callback-secrets',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['capture'],
        summary: 'Create a secret for network-server callbacks of this device type (shown once)',
        params: Type.Object({ deviceTypeId: DeviceTypeIdParam }),
        body: CreateBody,
        response: { 201: CreatedCallbackSecret, ...problems },
      },
    },
    async function createCallbackSecret(request, reply) {
      const { tenantId } = principalOf(request);
      const typeId = request.params.deviceTypeId;
      await requireType(deps, tenantId, typeId);
      const secret = newSecret('fpc');
      const row = {
        id: prefixedId('cbs'),
        tenant_id: tenantId,
        type_id: typeId,
        name: request.body.name ?? '',
        secret_hash: hashSecret(secret),
        created_at: deps.clock.now(),
      };
      await guarded(deps.store, () => deps.store.db.insertInto('callback_secrets').values(row).execute());
      return reply
        .status(201)
        .send({ id: row.id, deviceTypeId: typeId, name: row.name, createdAt: iso(row.created_at), secret });
    },
  );

  app.get(
    '/v1/device-types/:deviceTypeId/callback-secrets',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['capture'],
        summary: "A device type's callback secrets (never the secrets themselves)",
        params: Type.Object({ deviceTypeId: DeviceTypeIdParam }),
        response: { 200: Type.Object({ items: Type.Array(CallbackSecret) }), ...problems },
      },
    },
    async function listCallbackSecrets(request) {
      const { tenantId } = principalOf(request);
      const typeId = request.params.deviceTypeId;
      await requireType(deps, tenantId, typeId);
      const rows = await guarded(deps.store, () =>
        deps.store.db
          .selectFrom('callback_secrets')
          .select(['id', 'type_id', 'name', 'created_at'])
          .where('tenant_id', '=', tenantId)
          .where('type_id', '=', typeId)
          .orderBy('created_at')
          .orderBy('id')
          .execute(),
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          deviceTypeId: r.type_id,
          name: r.name,
          createdAt: iso(r.created_at),
        })),
      };
    },
  );

  app.delete(
    '/v1/device-types/:deviceTypeId/callback-secrets/:secretId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['capture'],
        summary: 'Revoke a callback secret',
        params: Type.Object({
          deviceTypeId: DeviceTypeIdParam,
          secretId: Type.String({ pattern: '^cbs_[A-Za-z0-9_-]{1,64}$' }),
        }),
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function revokeCallbackSecret(request, reply) {
      const { tenantId } = principalOf(request);
      const result = await guarded(deps.store, () =>
        deps.store.db
          .deleteFrom('callback_secrets')
          .where('tenant_id', '=', tenantId)
          .where('type_id', '=', request.params.deviceTypeId)
          .where('id', '=', request.params.secretId)
          .executeTakeFirst(),
      );
      if (Number(result.numDeletedRows) !== 1) throw notFound('callback secret', request.params.secretId);
      deps.bus.publish('device_type.access_changed', { tenantId, typeId: request.params.deviceTypeId });
      return reply.status(204).send(null);
    },
  );
}
