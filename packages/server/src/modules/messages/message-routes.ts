import { type App, principalOf } from '../../http/index.js';
import { exportMessages } from './message-export.js';
import {
  DeviceParams,
  DeviceStateSchema,
  HistoryQuery,
  MessageExportQuery,
  MessagePage,
  MessageParams,
  MessageSchema,
  StateQuery,
} from './message-schemas.js';
import { getDeviceState, getMessage, listHistory, type MessageDeps } from './message-service.js';
import { registerStreamRoutes, type StreamOptions } from './stream-routes.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** A device's history, one message, a device's latest state, and the live SSE stream. */
export function registerMessageRoutes(app: App, deps: MessageDeps, stream: StreamOptions = {}): void {
  registerStreamRoutes(app, deps, stream);

  app.get(
    '/v1/messages/export',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['messages'],
        summary: 'Stream stored messages (with their decodes) as NDJSON or CSV',
        description:
          "The messages of one device (`deviceId`), a type (`typeId`), the devices a condition selects (`where`), or every device, received in [`from`, `to`): devices in id order, each one's messages by receive time then id. Streamed as the client reads, whatever the size. To resume a broken export, pass the last row's `id` as `after`. `field` (CSV) adds a column per decoded field (docs/INTEGRATIONS.md).",
        querystring: MessageExportQuery,
        response: { 400: problem, 401: problem, 403: problem, 404: problem },
      },
    },
    async function exportMessagesRoute(request, reply) {
      const query = request.query;
      const body = await exportMessages(deps, principalOf(request).tenantId, {
        ...query,
        fields: query.field,
      });
      reply.type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      return reply.send(body);
    },
  );

  app.get(
    '/v1/devices/:deviceId/messages',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['messages'],
        summary: "A device's messages by receive time, newest first unless `order=asc`",
        description:
          'Every stored message, whatever its timeliness: late, replayed and out-of-order messages appear with their labels. `from` is inclusive, `to` exclusive. Pages are keyset-paged on (receive time, id): follow `nextCursor` with the same `order` and bounds to read each message exactly once, even while new ones arrive.',
        params: DeviceParams,
        querystring: HistoryQuery,
        response: { 200: MessagePage, ...problems },
      },
    },
    async function listHistoryRoute(request) {
      return listHistory(deps, principalOf(request).tenantId, request.params.deviceId, request.query);
    },
  );

  app.get(
    '/v1/messages/:messageId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['messages'],
        summary: 'One message with its receptions, by station',
        params: MessageParams,
        response: { 200: MessageSchema, ...problems },
      },
    },
    async function getMessageRoute(request) {
      return getMessage(deps, principalOf(request).tenantId, request.params.messageId);
    },
  );

  app.get(
    '/v1/devices/:deviceId/state',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['messages'],
        summary: "A device's capture state: last seen, latest live message, counters, sequence and open gaps",
        description:
          '`latestMessage` is the newest live, in-order message: late, replayed and out-of-order messages are in the history but never replace it. A device that never sent anything answers with empty values.',
        params: DeviceParams,
        querystring: StateQuery,
        response: { 200: DeviceStateSchema, ...problems },
      },
    },
    async function getDeviceStateRoute(request) {
      return getDeviceState(
        deps,
        principalOf(request).tenantId,
        request.params.deviceId,
        request.query.deleted === 'include',
      );
    },
  );
}
