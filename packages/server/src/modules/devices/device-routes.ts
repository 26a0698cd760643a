import type { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import { type App, principalOf } from '../../http/index.js';
import { AppError } from '../../kernel/errors.js';
import { exportDevices } from './device-export.js';
import { importDevices } from './device-import.js';
import {
  CreateCredentialBody,
  CreateDeviceBody,
  CreateDeviceTypeBody,
  CreatedCredential,
  Credential,
  Device,
  DeviceId,
  DevicePage,
  DeviceType,
  DeviceTypeId,
  ImportReport,
  LIFECYCLE_STATES,
  ListDevicesQuery,
  UpdateDeviceBody,
  UpdateDeviceTypeBody,
} from './device-schemas.js';
import {
  addCredential,
  createDevice,
  createDeviceType,
  type DeviceDeps,
  getDevice,
  getDeviceType,
  listDeviceCredentials,
  listDevicesPage,
  listDevicesWherePage,
  listDeviceTypesPage,
  removeCredential,
  removeDeviceType,
  restoreDevice,
  softDeleteDevice,
  updateDeviceById,
  updateDeviceTypeById,
} from './device-service.js';
import { countDevices, type DeviceFilter } from './device-store.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const writeProblems = { ...problems, 409: problem, 412: problem };
const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });

/** `If-Match: "3"` (or `W/"3"`, or `*`) → version 3; absent or `*` → no check. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!match?.[1])
    throw new AppError('precondition_failed', 'If-Match must be an ETag this API returned, like "3"');
  return Number(match[1]);
}

const etag = (version: number) => `"${version}"`;

function toFilter(query: {
  typeId?: string | undefined;
  tag?: string[] | undefined;
  deleted?: DeviceFilter['deleted'] | undefined;
  lifecycle?: readonly string[] | undefined;
}): DeviceFilter {
  return {
    typeId: query.typeId,
    tags: (query.tag ?? []).map((t) => {
      const eq = t.indexOf('=');
      return eq === -1 ? { key: t } : { key: t.slice(0, eq), value: t.slice(eq + 1) };
    }),
    deleted: query.deleted ?? 'exclude',
    lifecycle: lifecycleFilter(query.lifecycle),
  };
}

/** Retired devices leave the default lists: absent means every state but `retired`. */
function lifecycleFilter(asked: readonly string[] | undefined): readonly string[] | undefined {
  if (asked === undefined) return LIFECYCLE_STATES.filter((state) => state !== 'retired');
  return asked.includes('any') ? undefined : [...new Set(asked)];
}

const IMPORT_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** Device types, devices, credentials, bulk import and export. */
export function registerDeviceRoutes(
  app: App,
  deps: DeviceDeps,
  config: Pick<Config, 'importBodyLimit'>,
): void {
  // ---- device types ----
  app.post(
    '/v1/device-types',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['device types'],
        summary: 'Create a device type',
        body: CreateDeviceTypeBody,
        response: { 201: DeviceType, ...writeProblems },
      },
    },
    async function createDeviceTypeRoute(request, reply) {
      const type = await createDeviceType(deps, principalOf(request).tenantId, request.body);
      return reply
        .status(201)
        .header('etag', etag(type.version))
        .header('location', `/v1/device-types/${type.id}`)
        .send(type);
    },
  );
  app.get(
    '/v1/device-types',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['device types'],
        summary: 'List device types',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            cursor: Type.Optional(Type.String({ maxLength: 400 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(DeviceType),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems,
        },
      },
    },
    async function listDeviceTypesRoute(request) {
      return listDeviceTypesPage(deps, principalOf(request).tenantId, request.query);
    },
  );
  app.get(
    '/v1/device-types/:typeId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['device types'],
        summary: 'One device type',
        params: Type.Object({ typeId: DeviceTypeId }),
        response: { 200: DeviceType, ...problems },
      },
    },
    async function getDeviceTypeRoute(request, reply) {
      const type = await getDeviceType(deps, principalOf(request).tenantId, request.params.typeId);
      return reply.header('etag', etag(type.version)).send(type);
    },
  );
  app.patch(
    '/v1/device-types/:typeId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['device types'],
        summary: 'Change a device type (If-Match supported)',
        params: Type.Object({ typeId: DeviceTypeId }),
        headers: IfMatchHeaders,
        body: UpdateDeviceTypeBody,
        response: { 200: DeviceType, ...writeProblems },
      },
    },
    async function updateDeviceTypeRoute(request, reply) {
      const type = await updateDeviceTypeById(
        deps,
        principalOf(request).tenantId,
        request.params.typeId,
        request.body,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.header('etag', etag(type.version)).send(type);
    },
  );
  app.delete(
    '/v1/device-types/:typeId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['device types'],
        summary: 'Delete a device type that has no devices',
        params: Type.Object({ typeId: DeviceTypeId }),
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...writeProblems },
      },
    },
    async function deleteDeviceTypeRoute(request, reply) {
      await removeDeviceType(
        deps,
        principalOf(request).tenantId,
        request.params.typeId,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.status(204).send(null);
    },
  );

  // ---- devices ----
  app.post(
    '/v1/devices',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Create a device',
        body: CreateDeviceBody,
        response: { 201: Device, ...writeProblems },
      },
    },
    async function createDeviceRoute(request, reply) {
      const device = await createDevice(deps, principalOf(request).tenantId, request.body);
      return reply
        .status(201)
        .header('etag', etag(device.version))
        .header('location', `/v1/devices/${device.id}`)
        .send(device);
    },
  );
  app.get(
    '/v1/devices',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['devices'],
        summary: 'List devices, filtered by type, tags or a condition (`where`), a page at a time',
        querystring: ListDevicesQuery,
        response: { 200: DevicePage, ...problems },
      },
    },
    async function listDevicesRoute(request) {
      const tenantId = principalOf(request).tenantId;
      const filter = toFilter(request.query);
      if (request.query.where !== undefined)
        return listDevicesWherePage(deps, tenantId, filter, request.query.where, request.query);
      return listDevicesPage(deps, tenantId, filter, request.query);
    },
  );
  // Import bodies are streamed, not buffered, and only this route accepts CSV and NDJSON:
  // its own scope hands the raw stream to the import, which reads it row by row.
  void app.register(async function importScope(plugin) {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(IMPORT_TYPES, function passStream(_request, payload, done) {
      done(null, payload);
    });
    scope.post(
      '/v1/devices/import',
      {
        config: { scope: 'operator' },
        schema: {
          tags: ['devices'],
          summary: 'Bulk import devices from a CSV or NDJSON body, streamed, with a per-row report',
          description:
            'CSV: a header row with `id`, `typeId` (or `type`), `name`, `tags` and `attributes` (JSON objects), `tag.<key>` and `attr.<key>` columns. NDJSON: one device object per line. `atomic=true` writes nothing unless every row is good.',
          querystring: Type.Object(
            {
              format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')])),
              atomic: Type.Boolean({ default: false }),
              typeId: Type.Optional(DeviceTypeId),
            },
            { additionalProperties: false },
          ),
          // Documents the body: the route reads it as a stream and checks it row by row.
          body: {
            content: Object.fromEntries(
              IMPORT_TYPES.map((type) => [
                type,
                {
                  schema: Type.String({
                    description:
                      type === 'text/csv'
                        ? "CSV with a header row; cells that begin with a quote (') lose it, as exports add one before =, +, -, @, tab and CR"
                        : 'one device object per line',
                  }),
                },
              ]),
            ),
          },
          response: { 200: ImportReport, ...writeProblems, 413: problem, 415: problem, 422: problem },
        },
      },
      async function importDevicesRoute(request) {
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!IMPORT_TYPES.includes(contentType)) {
          throw new AppError(
            'unsupported_media_type',
            `send the import as one of ${IMPORT_TYPES.join(', ')}`,
          );
        }
        const format = request.query.format ?? (contentType === 'text/csv' ? 'csv' : 'ndjson');
        const report = await importDevices(deps, principalOf(request).tenantId, request.body as Readable, {
          format,
          atomic: request.query.atomic,
          defaultTypeId: request.query.typeId,
          maxBytes: config.importBodyLimit,
        });
        // An atomic import that wrote nothing failed: an error status, the per-row report in `data`.
        if (!report.committed)
          throw new AppError(
            'import_rejected',
            `the atomic import was not committed: ${report.failed} of ${report.received} rows were rejected`,
            { ...report },
          );
        return report;
      },
    );
  });
  app.get(
    '/v1/devices/export',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['devices'],
        summary: 'Stream every matching device as NDJSON or CSV; `x-total-count` gives the number of rows',
        querystring: Type.Object(
          {
            format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'ndjson' }),
            typeId: Type.Optional(DeviceTypeId),
            tag: ListDevicesQuery.properties.tag,
            deleted: ListDevicesQuery.properties.deleted,
            lifecycle: ListDevicesQuery.properties.lifecycle,
          },
          { additionalProperties: false },
        ),
      },
    },
    async function exportDevicesRoute(request, reply) {
      const tenantId = principalOf(request).tenantId;
      const filter = toFilter(request.query);
      const total = await countDevices(deps.store, tenantId, filter);
      reply
        .header('x-total-count', String(total))
        .type(request.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      return reply.send(exportDevices(deps.store, tenantId, filter, request.query.format));
    },
  );
  app.get(
    '/v1/devices/:deviceId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['devices'],
        summary: 'One device; `?deleted=include` also finds a deleted one',
        params: Type.Object({ deviceId: DeviceId }),
        querystring: Type.Object(
          { deleted: Type.Optional(Type.Union([Type.Literal('exclude'), Type.Literal('include')])) },
          { additionalProperties: false },
        ),
        response: { 200: Device, ...problems },
      },
    },
    async function getDeviceRoute(request, reply) {
      const device = await getDevice(
        deps,
        principalOf(request).tenantId,
        request.params.deviceId,
        request.query.deleted === 'include',
      );
      return reply.header('etag', etag(device.version)).send(device);
    },
  );
  app.patch(
    '/v1/devices/:deviceId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Change a device; tags and attributes are replaced whole (If-Match supported)',
        params: Type.Object({ deviceId: DeviceId }),
        headers: IfMatchHeaders,
        body: UpdateDeviceBody,
        response: { 200: Device, ...writeProblems },
      },
    },
    async function updateDeviceRoute(request, reply) {
      const device = await updateDeviceById(
        deps,
        principalOf(request).tenantId,
        request.params.deviceId,
        request.body,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.header('etag', etag(device.version)).send(device);
    },
  );
  app.delete(
    '/v1/devices/:deviceId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Delete a device (soft: restorable)',
        params: Type.Object({ deviceId: DeviceId }),
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), ...writeProblems },
      },
    },
    async function deleteDeviceRoute(request, reply) {
      await softDeleteDevice(
        deps,
        principalOf(request).tenantId,
        request.params.deviceId,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/v1/devices/:deviceId/restore',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Restore a deleted device',
        params: Type.Object({ deviceId: DeviceId }),
        response: { 200: Device, ...writeProblems },
      },
    },
    async function restoreDeviceRoute(request, reply) {
      const device = await restoreDevice(deps, principalOf(request).tenantId, request.params.deviceId);
      return reply.header('etag', etag(device.version)).send(device);
    },
  );

  // ---- credentials ----
  app.get(
    '/v1/devices/:deviceId/credentials',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['devices'],
        summary: "A device's credentials (never their secrets)",
        params: Type.Object({ deviceId: DeviceId }),
        response: { 200: Type.Object({ items: Type.Array(Credential) }), ...problems },
      },
    },
    async function listCredentialsRoute(request) {
      return {
        items: await listDeviceCredentials(deps, principalOf(request).tenantId, request.params.deviceId),
      };
    },
  );
  app.post(
    '/v1/devices/:deviceId/credentials',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Add a token (returned once) or an X.509 certificate fingerprint',
        params: Type.Object({ deviceId: DeviceId }),
        body: CreateCredentialBody,
        response: { 201: CreatedCredential, ...writeProblems },
      },
    },
    async function addCredentialRoute(request, reply) {
      return reply
        .status(201)
        .send(
          await addCredential(deps, principalOf(request).tenantId, request.params.deviceId, request.body),
        );
    },
  );
  app.delete(
    '/v1/devices/:deviceId/credentials/:credentialId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['devices'],
        summary: 'Remove a credential',
        params: Type.Object({
          deviceId: DeviceId,
          credentialId: Type.String({ pattern: '^cred_[A-Za-z0-9_-]{1,64}$' }),
        }),
        response: { 204: Type.Null(), ...writeProblems },
      },
    },
    async function removeCredentialRoute(request, reply) {
      await removeCredential(
        deps,
        principalOf(request).tenantId,
        request.params.deviceId,
        request.params.credentialId,
      );
      return reply.status(204).send(null);
    },
  );
}
