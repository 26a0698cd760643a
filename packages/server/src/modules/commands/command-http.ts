import type { EventBus } from '../../bus/event-bus.js';
import { type App, deviceOf } from '../../http/index.js';
import { AckAnswer, AckBody, AckParams, PolledCommands, PollQuery } from './command-schemas.js';
import type { CommandService, Outgoing } from './command-service.js';

const problem = { $ref: 'Problem#' };

function presentPolled({ row, payload }: Outgoing) {
  return {
    id: row.id,
    name: row.name,
    hex: payload.toString('hex'),
    base64: payload.toString('base64'),
    priority: row.priority,
    confirmed: row.confirmed === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * HTTP polling for sleepy devices, with their device token: `GET /v1/device/commands` hands
 * out the device's queued `http` commands (most urgent first; `wait` long-polls for one), and
 * `POST /v1/device/commands/{id}/ack` is the device's answer.
 */
export function registerDevicePollRoutes(app: App, commands: CommandService, bus: EventBus): void {
  // Long polls end when the server starts closing, so that they never hold a shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async function endCommandPolls() {
    closing.abort();
  });

  app.get(
    '/v1/device/commands',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['commands'],
        summary: "The device's queued commands (transport `http`), most urgent first",
        description:
          'Authenticated with a device token. Each command is handed out once: it becomes `sent` and is not in the next answer, unless its retry policy puts it back (a confirmed command not acknowledged within its backoff). `wait` makes an empty answer wait up to that many seconds for a command.',
        security: [{ deviceToken: [] }],
        querystring: PollQuery,
        response: { 200: PolledCommands, 400: problem, 401: problem },
      },
    },
    async function pollCommandsRoute(request, reply) {
      const device = deviceOf(request);
      const gone = new AbortController();
      const onClose = () => gone.abort();
      reply.raw.once('close', onClose);
      const take = () =>
        commands.claim(device.tenantId, device.deviceId, 'http', request.query.limit, () => ({
          status: 'sent',
          detail: { transport: 'http', requestId: request.id },
        }));
      try {
        const first = await take();
        if (first.length > 0 || request.query.wait <= 0) return { items: first.map(presentPolled) };
        let wake: () => void = () => {};
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const unsubscribe = bus.subscribe('command.queued', (event) => {
          if (
            event.tenantId === device.tenantId &&
            event.deviceId === device.deviceId &&
            event.transport === 'http'
          )
            wake();
        });
        const signal = AbortSignal.any([gone.signal, closing.signal]);
        signal.addEventListener('abort', wake, { once: true });
        const timer = setTimeout(wake, request.query.wait * 1000);
        try {
          // Queued between the first look and the subscription: look once more before waiting.
          const second = await take();
          if (second.length > 0) return { items: second.map(presentPolled) };
          await woken;
        } finally {
          clearTimeout(timer);
          unsubscribe();
          signal.removeEventListener('abort', wake);
        }
        // A device that went away is handed nothing: what it cannot read stays queued.
        if (gone.signal.aborted) return { items: [] };
        return { items: (await take()).map(presentPolled) };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.post(
    '/v1/device/commands/:commandId/ack',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['commands'],
        summary: "The device's answer to one of its commands",
        description:
          "Authenticated with a device token. `acknowledged` (the default) or `failed`, with an optional `result`. A second answer changes nothing. An unknown command, or another device's, is `404 not_found`; one that can no longer be answered (expired) is `409 conflict`.",
        security: [{ deviceToken: [] }],
        params: AckParams,
        body: AckBody,
        response: { 200: AckAnswer, 400: problem, 401: problem, 404: problem, 409: problem },
      },
    },
    async function acknowledgeCommandRoute(request) {
      const device = deviceOf(request);
      const command = await commands.acknowledge(device.tenantId, device.deviceId, request.params.commandId, {
        failed: request.body.status === 'failed',
        result: request.body.result,
        detail: { transport: 'http', requestId: request.id },
      });
      return { id: command.id, status: command.status };
    },
  );
}
