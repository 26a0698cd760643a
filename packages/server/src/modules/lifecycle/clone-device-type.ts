import { AppError, hashSecret, newSecret, notFound, prefixedId } from '../../kernel/index.js';
import type { Principal } from '../../kernel/principal.js';
import { writeWithChanges } from '../changes/index.js';
import { type DeviceType, presentDeviceType } from '../devices/index.js';
import type { TypeStage } from './lifecycle-graph.js';
import type { CloneTypeBody } from './lifecycle-schemas.js';
import type { LifecycleDeps } from './lifecycle-service.js';
import { findTypeStage, upsertTypeStage } from './lifecycle-store.js';

export interface ClonedDeviceType {
  readonly deviceType: DeviceType;
  readonly stage: TypeStage;
  readonly callbackSecrets: readonly { id: string; name: string; secret: string }[];
}

/**
 * Copies a device type in one transaction: its settings, capture settings, variables and
 * codec (as the copy's version 1, recorded in its codec history), the reported fields its
 * twins declare, and its lifecycle stage (or `stage` from the body: a production copy of a
 * test type). Callback secrets are never shared: the copy gets a new secret for each of the
 * source's, shown once here. These rows belong to the devices, codecs, twins and capture
 * modules; a clone must be all or nothing, so it writes them in one place.
 */
export async function cloneDeviceType(
  deps: LifecycleDeps,
  principal: Principal,
  sourceId: string,
  body: CloneTypeBody,
): Promise<ClonedDeviceType> {
  const { tenantId } = principal;
  const now = deps.clock.now();
  try {
    return await writeWithChanges(deps, tenantId, async (tx, record) => {
      const source = await tx.db
        .selectFrom('device_types')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', sourceId)
        .executeTakeFirst();
      if (!source) throw notFound('device type', sourceId);
      const hasCodec = source.codec_kind !== null && source.codec_source !== null;
      const row = {
        ...source,
        id: body.id,
        name: body.name ?? source.name,
        codec_version: hasCodec ? 1 : 0,
        codec_updated_at: hasCodec ? now : null,
        version: 1,
        created_at: now,
        updated_at: now,
      };
      await tx.db.insertInto('device_types').values(row).execute();
      if (hasCodec) {
        await tx.db
          .insertInto('codec_versions')
          .values({
            tenant_id: tenantId,
            type_id: body.id,
            version: 1,
            previous_version: 0,
            kind: source.codec_kind,
            source: source.codec_source,
            changed_by: principal.keyId,
            changed_at: now,
          })
          .execute();
      }
      const fields = await tx.db
        .selectFrom('twin_reported_fields')
        .select('fields')
        .where('tenant_id', '=', tenantId)
        .where('type_id', '=', sourceId)
        .executeTakeFirst();
      if (fields) {
        await tx.db
          .insertInto('twin_reported_fields')
          .values({ tenant_id: tenantId, type_id: body.id, fields: fields.fields, updated_at: now })
          .execute();
      }
      const sourceStage = await findTypeStage(tx, tenantId, sourceId);
      const stage = body.stage ?? (sourceStage as TypeStage | undefined);
      if (stage !== undefined) await upsertTypeStage(tx, tenantId, body.id, stage, now);
      const secrets = await tx.db
        .selectFrom('callback_secrets')
        .select('name')
        .where('tenant_id', '=', tenantId)
        .where('type_id', '=', sourceId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const callbackSecrets = secrets.map((secret) => ({
        id: prefixedId('cbs'),
        name: secret.name,
        secret: newSecret('fpc'),
      }));
      if (callbackSecrets.length > 0) {
        await tx.db
          .insertInto('callback_secrets')
          .values(
            callbackSecrets.map((secret) => ({
              id: secret.id,
              tenant_id: tenantId,
              type_id: body.id,
              name: secret.name,
              secret_hash: hashSecret(secret.secret),
              created_at: now,
            })),
          )
          .execute();
      }
      const deviceType = presentDeviceType(row);
      record({ kind: 'device_type.created', entityId: body.id, data: deviceType });
      return { deviceType, stage: stage ?? 'production', callbackSecrets };
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'already_exists') {
      throw new AppError('already_exists', `device type '${body.id}' already exists`, {
        kind: 'device type',
        id: body.id,
      });
    }
    throw error;
  }
}
