import { type App, principalOf } from '../../http/index.js';
import type { DirectMethods } from './command-methods.js';
import {
  BatchCommandsAnswer,
  BatchCommandsBody,
  Command,
  CommandBody,
  CommandPage,
  CommandParams,
  DeviceCommandHistory,
  DeviceCommandParams,
  DeviceHistoryQuery,
  ListCommandsQuery,
  MethodAnswer,
  MethodBody,
  MethodParams,
} from './command-schemas.js';
import type { CommandService } from './command-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** `/v1/devices/{id}/commands`: queue, list, show with history, cancel; a device's command history. */
export function registerCommandRoutes(app: App, commands: CommandService): void {
  app.post(
    '/v1/devices/:deviceId/commands',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['commands'],
        summary: 'Queue a command for a device',
        description:
          "A raw payload (`hex` or `base64`) or `data` that the device type's codec encodes (`encodeDownlink`) when it is sent. Answers 201 with the new command, or 200 with the existing one when `idempotencyKey` was used before for this device. A payload longer than the transport carries (8 bytes over Sigfox) is `downlink_too_long`; data the codec cannot encode is `encoding_failed`; a retired device is `409 device_retired`; nothing is stored for any of them. Statuses per transport: docs/COMMANDS.md.",
        params: DeviceCommandParams,
        body: CommandBody,
        response: { 200: Command, 201: Command, ...problems, 409: problem, 422: problem },
      },
    },
    async function createCommandRoute(request, reply) {
      const { command, created } = await commands.create(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.body,
      );
      return reply
        .status(created ? 201 : 200)
        .header('location', `/v1/devices/${command.deviceId}/commands/${command.id}`)
        .send(command);
    },
  );

  app.post(
    '/v1/commands/batch',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['commands'],
        summary: 'Queue commands for many devices at once',
        description:
          "Up to 1,000 commands, each a command body with its `deviceId`, queued in one transaction. Answers 200 with one result per item in order: `201` and the new command, `200` and the existing command when its `idempotencyKey` was used before for that device (or earlier in this batch), or the item's own status and `problem` (`not_found` for an unknown or another tenant's device, `device_retired`, `validation_failed`, `downlink_too_long`, `encoding_failed`). A failed item stores nothing and does not fail the others.",
        body: BatchCommandsBody,
        response: { 200: BatchCommandsAnswer, 400: problem, 401: problem, 403: problem },
      },
    },
    async function createCommandsRoute(request) {
      const outcomes = await commands.createMany(
        principalOf(request).tenantId,
        request.body.items.map(({ deviceId, ...body }) => ({ deviceId, body })),
      );
      return {
        items: outcomes.map((outcome) =>
          outcome.command !== undefined
            ? { status: outcome.created ? 201 : 200, command: outcome.command }
            : {
                status: outcome.error.status,
                problem: {
                  status: outcome.error.status,
                  code: outcome.error.code,
                  detail: outcome.error.message,
                  ...(outcome.error.data ? { data: { ...outcome.error.data } } : {}),
                },
              },
        ),
      };
    },
  );

  app.get(
    '/v1/devices/:deviceId/commands',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['commands'],
        summary: "A device's commands and method calls, newest first",
        params: DeviceCommandParams,
        querystring: ListCommandsQuery,
        response: { 200: CommandPage, ...problems },
      },
    },
    async function listCommandsRoute(request) {
      return commands.list(principalOf(request).tenantId, request.params.deviceId, request.query);
    },
  );

  app.get(
    '/v1/devices/:deviceId/commands/:commandId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['commands'],
        summary: 'One command with its history of statuses',
        params: CommandParams,
        response: { 200: Command, ...problems },
      },
    },
    async function getCommandRoute(request) {
      return commands.get(principalOf(request).tenantId, request.params.deviceId, request.params.commandId);
    },
  );

  app.post(
    '/v1/devices/:deviceId/commands/:commandId/cancel',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['commands'],
        summary: 'Cancel a command that is not delivered yet',
        description:
          'A queued command is never sent; a sent one is not sent again. Cancelling a cancelled command answers it; a delivered, acknowledged or otherwise finished one is `command_not_cancellable` (409).',
        params: CommandParams,
        response: { 200: Command, ...problems, 409: problem },
      },
    },
    async function cancelCommandRoute(request) {
      return commands.cancel(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.params.commandId,
      );
    },
  );

  app.get(
    '/v1/devices/:deviceId/command-history',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['commands'],
        summary: "Every status transition of a device's commands, newest first",
        params: DeviceCommandParams,
        querystring: DeviceHistoryQuery,
        response: { 200: DeviceCommandHistory, ...problems },
      },
    },
    async function deviceCommandHistoryRoute(request) {
      return commands.deviceHistory(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.query.limit,
      );
    },
  );
}

/** `POST /v1/devices/{id}/methods/{name}`: a direct method, answered with the device's reply. */
export function registerMethodRoutes(app: App, methods: DirectMethods): void {
  app.post(
    '/v1/devices/:deviceId/methods/:name',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['commands'],
        summary: 'Call a method on a connected device and wait for its reply',
        description:
          'Published to `devices/{id}/down/methods/{name}/{callId}` (QoS 0, expiring with the timeout; MQTT 5: response topic and correlation data); the device replies on `devices/{id}/ack/{callId}` (docs/COMMANDS.md). A device with no MQTT session is `404 device_offline` at once; no reply within `timeoutSeconds` is `504 method_timeout`, and the call is recorded as `unknown`. A retired device is `409 device_retired`.',
        params: MethodParams,
        body: MethodBody,
        response: { 200: MethodAnswer, ...problems, 409: problem, 504: problem },
      },
    },
    async function callMethodRoute(request) {
      return methods.call(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.params.name,
        request.body.payload,
        request.body.timeoutSeconds * 1000,
      );
    },
  );
}
