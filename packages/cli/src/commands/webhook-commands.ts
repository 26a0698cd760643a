import type { Command } from 'commander';
import type { RequestBody, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, isoDateTime, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';

const endpointColumns: readonly Column<WebhookEndpoint>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'url', value: (w) => w.url },
  { header: 'events', value: (w) => (w.eventTypes.length === 0 ? 'all' : w.eventTypes.join(',')) },
  { header: 'ordered', value: (w) => (w.ordered ? 'yes' : 'no') },
  { header: 'state', value: (w) => (w.enabled ? 'enabled' : `disabled (${w.disabledReason ?? '-'})`) },
];

function endpointDetails(w: WebhookEndpoint): string {
  return formatDetails([
    ['id', w.id],
    ['url', w.url],
    ['description', w.description || '-'],
    ['event types', w.eventTypes.length === 0 ? 'all' : w.eventTypes.join(', ')],
    ['filter', w.filter ?? '-'],
    ['ordered', w.ordered ? 'yes' : 'no'],
    ['state', w.enabled ? 'enabled' : `disabled (${w.disabledReason ?? '-'})`],
    ['failing since', formatTime(w.failingSince)],
    ['breaker open until', formatTime(w.breakerOpenUntil)],
    ['rotating secret', w.rotating ? 'yes' : 'no'],
    ['created', formatTime(w.createdAt)],
  ]);
}

const deliveryColumns: readonly Column<WebhookDelivery>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'event', value: (d) => d.eventType },
  { header: 'cursor', value: (d) => d.cursor },
  { header: 'origin', value: (d) => d.origin },
  { header: 'status', value: (d) => d.status },
  { header: 'tries', value: (d) => String(d.attempts) },
  { header: 'last', value: (d) => (d.lastStatus === null ? (d.lastError ?? '-') : String(d.lastStatus)) },
  { header: 'next try', value: (d) => formatTime(d.nextAttemptAt) },
];

const attemptColumns: readonly Column<WebhookAttempt>[] = [
  { header: 'try', value: (a) => String(a.attempt) },
  { header: 'at', value: (a) => formatTime(a.at) },
  { header: 'status', value: (a) => (a.responseStatus === null ? '-' : String(a.responseStatus)) },
  { header: 'ms', value: (a) => String(a.durationMs) },
  { header: 'request id', value: (a) => a.requestId },
  { header: 'error', value: (a) => a.error ?? '-' },
];

/** Change kinds as the API lists them; the server refuses unknown ones (`validation_failed`). */
type EventTypes = NonNullable<RequestBody<'/v1/webhooks', 'post'>['eventTypes']>;

interface CreateOptions {
  readonly eventType?: string[];
  readonly filter?: string;
  readonly description?: string;
  readonly ordered?: boolean;
  readonly disabled?: boolean;
}

/** `fleetport webhooks …`: endpoints, their deliveries, retries and replays. */
export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description(
      'webhook endpoints: create, list, show, delete, deliveries, retry, replay, test, rotate-secret',
    );

  webhooks
    .command('create')
    .description('create an endpoint; prints its signing secret, shown only this once')
    .argument('<url>', 'http or https URL of the receiver')
    .option('--event-type <kind>', 'a change kind to send (repeat; default: every kind)', collect)
    .option('--filter <cel>', 'CEL over the event: type, entityId, at, data')
    .option('--description <text>', 'what the endpoint is for')
    .option('--ordered', 'one delivery at a time, in feed order')
    .option('--disabled', 'create it disabled')
    .action(async function createWebhook(url: string, options: CreateOptions, command: Command) {
      const ctx = new CommandContext(io, command);
      const created = await ctx.client.call((api) =>
        api.POST('/v1/webhooks', {
          body: {
            url,
            ...(options.eventType === undefined ? {} : { eventTypes: options.eventType as EventTypes }),
            ...(options.filter === undefined ? {} : { filter: options.filter }),
            ...(options.description === undefined ? {} : { description: options.description }),
            ordered: options.ordered === true,
            enabled: options.disabled !== true,
          },
        }),
      );
      ctx.show(
        created,
        (c) =>
          `created webhook ${c.endpoint.id}\nsecret: ${c.secret}  (shown once: keep it to verify signatures)\n${endpointDetails(c.endpoint)}`,
      );
    });

  webhooks
    .command('list')
    .description('list the endpoints')
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'from a previous page')
    .action(async function listWebhooks(options: { limit?: number; cursor?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const page = await ctx.client.call((api) =>
        api.GET('/v1/webhooks', {
          params: {
            query: {
              limit: options.limit ?? 100,
              ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
            },
          },
        }),
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(endpointColumns, p.items)));
    });

  webhooks
    .command('show')
    .argument('<id>', 'endpoint id')
    .description('show an endpoint and its health')
    .action(async function showWebhook(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const endpoint = await ctx.client.call((api) =>
        api.GET('/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } } }),
      );
      ctx.show(endpoint, endpointDetails);
    });

  webhooks
    .command('delete')
    .argument('<id>', 'endpoint id')
    .description('delete an endpoint with its queue and delivery log')
    .action(async function deleteWebhook(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.call((api) =>
        api.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: id } } }),
      );
      ctx.show({ id, deleted: true }, () => `deleted webhook ${id}`);
    });

  webhooks
    .command('deliveries')
    .argument('<id>', 'endpoint id')
    .argument('[deliveryId]', 'one delivery: show its tries')
    .description("an endpoint's deliveries, newest first, or one delivery's log")
    .option(
      '--status <status>',
      'pending, delivered or failed',
      oneOf(['pending', 'delivered', 'failed'] as const),
    )
    .option('--limit <n>', 'page size (1-1000)', integerIn(1, 1000))
    .option('--cursor <cursor>', 'from a previous page')
    .action(async function webhookDeliveries(
      id: string,
      deliveryId: string | undefined,
      options: { status?: 'pending' | 'delivered' | 'failed'; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      if (deliveryId !== undefined) {
        const one = await ctx.client.call((api) =>
          api.GET('/v1/webhooks/{webhookId}/deliveries/{deliveryId}', {
            params: { path: { webhookId: id, deliveryId } },
          }),
        );
        ctx.show(one, (d) =>
          [
            formatTable(deliveryColumns, [d.delivery]),
            d.attempts.length === 0 ? '' : formatTable(attemptColumns, d.attempts),
          ]
            .filter((part) => part !== '')
            .join('\n\n'),
        );
        return;
      }
      const page = await ctx.client.call((api) =>
        api.GET('/v1/webhooks/{webhookId}/deliveries', {
          params: {
            path: { webhookId: id },
            query: {
              limit: options.limit ?? 100,
              ...(options.status === undefined ? {} : { status: options.status }),
              ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
            },
          },
        }),
      );
      ctx.show(page, (p) => (p.items.length === 0 ? '' : formatTable(deliveryColumns, p.items)));
    });

  webhooks
    .command('retry')
    .argument('<id>', 'endpoint id')
    .argument('<deliveryId>', 'the delivery to send again')
    .description('send a delivery again (a new delivery with the same message id)')
    .action(async function retryWebhook(id: string, deliveryId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const delivery = await ctx.client.call((api) =>
        api.POST('/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry', {
          params: { path: { webhookId: id, deliveryId } },
        }),
      );
      ctx.show(delivery, (d) => `queued delivery ${d.id} (message ${d.messageId})`);
    });

  webhooks
    .command('replay')
    .argument('<id>', 'endpoint id')
    .description('queue the changes after a cursor, or from a time, again')
    .option('--since <cursor>', 'a change-feed cursor')
    .option('--from <date-time>', 'ISO 8601', isoDateTime)
    .action(async function replayWebhook(
      id: string,
      options: { since?: string; from?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      if ((options.since === undefined) === (options.from === undefined)) {
        throw new UsageError('give one of --since <cursor> or --from <date-time>');
      }
      const body = options.since === undefined ? { from: options.from ?? '' } : { since: options.since };
      const result = await ctx.client.call((api) =>
        api.POST('/v1/webhooks/{webhookId}/replay', { params: { path: { webhookId: id } }, body }),
      );
      ctx.show(
        result,
        (r) =>
          `queued ${r.queued} deliveries${r.nextCursor === null ? '' : `; more after cursor ${r.nextCursor} (replay again with --since ${r.nextCursor})`}`,
      );
    });

  webhooks
    .command('test')
    .argument('<id>', 'endpoint id')
    .description('send a signed test event now and show the answer')
    .action(async function testWebhook(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const sent = await ctx.client.call((api) =>
        api.POST('/v1/webhooks/{webhookId}/test', { params: { path: { webhookId: id } }, body: {} }),
      );
      ctx.show(sent, (d) => formatTable(attemptColumns, d.attempts));
    });

  webhooks
    .command('rotate-secret')
    .argument('<id>', 'endpoint id')
    .description('a new signing secret; the previous one stays valid meanwhile (both are signed with)')
    .option(
      '--previous-valid-hours <n>',
      'how long the previous secret stays valid (0-720, default 24)',
      integerIn(0, 720),
    )
    .action(async function rotateWebhookSecret(
      id: string,
      options: { previousValidHours?: number },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const rotated = await ctx.client.call((api) =>
        api.POST('/v1/webhooks/{webhookId}/rotate-secret', {
          params: { path: { webhookId: id } },
          body:
            options.previousValidHours === undefined
              ? {}
              : { previousValidHours: options.previousValidHours },
        }),
      );
      ctx.show(rotated, (r) => `new secret: ${r.secret}  (shown once)`);
    });
}
