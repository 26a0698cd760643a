import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { DeviceId, DeviceTypeId } from '../devices/index.js';
import {
  CodecBody,
  CodecTestBody,
  CodecVersionList,
  DecodedSchema,
  DeviceTypeCodec,
  EncodedSchema,
  JobView,
  RedecodeBody,
} from './codec-schemas.js';
import type { Codecs } from './codecs.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const TypeParams = Type.Object({ typeId: DeviceTypeId });
const DeviceParams = Type.Object({ deviceId: DeviceId });
/**
 * Codecs on device types, their history, re-decode jobs and the codec test endpoint. A job
 * is read at `GET /v1/jobs/{id}`, which the jobs module serves for every kind of job.
 */
export function registerCodecRoutes(app: App, codecs: Codecs): void {
  app.put(
    '/v1/device-types/:typeId/codec',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['codecs'],
        summary: "Sets a device type's codec (validated; a change makes a new version)",
        description:
          'A JavaScript (TS013) codec must compile and define a codec function; a Sigfox format must follow the grammar. A bad one is refused with `validation_failed`. Saving the same codec again changes nothing.',
        params: TypeParams,
        body: CodecBody,
        response: { 200: DeviceTypeCodec, ...problems, 412: problem },
      },
    },
    async function putCodecRoute(request) {
      const principal = principalOf(request);
      return codecs.service.setCodec(
        principal.tenantId,
        request.params.typeId,
        request.body,
        principal.keyId,
      );
    },
  );

  app.delete(
    '/v1/device-types/:typeId/codec',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['codecs'],
        summary: "Removes a device type's codec (a new version without one); messages are stored raw only",
        params: TypeParams,
        response: { 204: Type.Null(), ...problems, 412: problem },
      },
    },
    async function deleteCodecRoute(request, reply) {
      const principal = principalOf(request);
      await codecs.service.setCodec(principal.tenantId, request.params.typeId, null, principal.keyId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/device-types/:typeId/codec/versions',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['codecs'],
        summary: "A device type's codec changes, newest first: who, when, from which version",
        params: TypeParams,
        response: { 200: CodecVersionList, ...problems },
      },
    },
    async function listCodecVersionsRoute(request) {
      return {
        items: await codecs.service.listVersions(principalOf(request).tenantId, request.params.typeId),
      };
    },
  );

  app.post(
    '/v1/device-types/:typeId/redecode',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['codecs'],
        summary: "Decodes the type's stored messages again with its current codec (a job)",
        description:
          'Walks the messages captured under this type by its devices, `from` inclusive, `to` exclusive (receive time). Follow the job with GET /v1/jobs/{id}.',
        params: TypeParams,
        body: Type.Optional(RedecodeBody),
        response: { 202: JobView, ...problems },
      },
    },
    async function redecodeTypeRoute(request, reply) {
      const principal = principalOf(request);
      const job = await codecs.jobs.create(
        principal.tenantId,
        principal.keyId,
        { typeId: request.params.typeId },
        request.body ?? {},
      );
      return reply.code(202).send(job);
    },
  );

  app.post(
    '/v1/devices/:deviceId/redecode',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['codecs'],
        summary: "Decodes the device's stored messages again with their type's current codec (a job)",
        params: DeviceParams,
        body: Type.Optional(RedecodeBody),
        response: { 202: JobView, ...problems },
      },
    },
    async function redecodeDeviceRoute(request, reply) {
      const principal = principalOf(request);
      const job = await codecs.jobs.create(
        principal.tenantId,
        principal.keyId,
        { deviceId: request.params.deviceId },
        request.body ?? {},
      );
      return reply.code(202).send(job);
    },
  );

  app.post(
    '/v1/codecs/test',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['codecs'],
        summary: 'Runs a codec (inline, or a device type’s) on an uplink or a downlink, storing nothing',
        description:
          'For an uplink the answer is exactly what capture would store with the message (`decoded`). A downlink with `data` is encoded (`encodeDownlink`, bytes in hex); one with `bytes` or `base64` is decoded (`decodeDownlink`, answered like an uplink). Keys beyond the defined ones reach the codec in `input` as they are.',
        body: CodecTestBody,
        response: { 200: Type.Union([DecodedSchema, EncodedSchema]), ...problems },
      },
    },
    async function testCodecRoute(request) {
      return codecs.service.test(principalOf(request).tenantId, request.body);
    },
  );
}
