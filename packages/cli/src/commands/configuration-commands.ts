import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { Configuration, ConfigurationMetrics, MetricCounts, Page } from '../api-types.js';
import { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, jsonObject, tagsFrom } from '../options.js';
import { type Column, formatDetails, formatJson, formatTable, formatTags, formatTime } from '../output.js';
import { StatusLine } from '../status-line.js';
import { stopSignal } from '../stop-signal.js';

/** How often `--watch` reads the metrics. */
const WATCH_INTERVAL_MS = 500;
const BAR_WIDTH = 24;

const configPath = (id: string) => `/v1/configurations/${encodeURIComponent(id)}`;
const n = (x: number) => x.toLocaleString('en-US');

/** `--metric name=CEL` (repeatable) into the metrics object. */
function metricsFrom(values: readonly string[]): Record<string, string> {
  const metrics: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0)
      throw new InvalidArgumentError(`--metric '${value}' needs a name, like name=reported.x == 1`);
    metrics[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return metrics;
}

/** Devices the rollout is done with: applied, failed, or where another holds every property. */
const settled = (m: MetricCounts) => m.applied + m.failed + m.overridden;

/** `targeted 40, applied 12, pending 25, failed 1, overridden 2`, and each custom metric. */
export function countsText(m: MetricCounts): string {
  const custom = Object.entries(m.custom).map(([name, count]) => `${name} ${n(count)}`);
  return [
    `targeted ${n(m.targeted)}`,
    `applied ${n(m.applied)}`,
    `pending ${n(m.pending)}`,
    `failed ${n(m.failed)}`,
    `overridden ${n(m.overridden)}`,
    ...custom,
  ].join(', ');
}

/** The `--watch` line: id, rollout status, a bar (terminal), percent and counts. */
export function watchLine(c: Configuration, m: MetricCounts, tty: boolean): string {
  const fraction = m.targeted > 0 ? Math.min(settled(m) / m.targeted, 1) : c.status === 'applied' ? 1 : 0;
  const parts = [c.id, c.status];
  if (tty) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
  }
  parts.push(`${(fraction * 100).toFixed(1).padStart(5)}%`, countsText(m));
  return parts.join('  ');
}

const columns: readonly Column<Configuration>[] = [
  { header: 'id', value: (c) => c.id },
  { header: 'priority', value: (c) => String(c.priority) },
  { header: 'target', value: (c) => c.target },
  { header: 'sets', value: (c) => Object.keys(c.content).join(', ') },
  { header: 'status', value: (c) => c.status },
  { header: 'labels', value: (c) => formatTags(c.labels) },
];

function details(c: Configuration, metrics?: ConfigurationMetrics): string {
  const entries: [string, string][] = [
    ['id', c.id],
    ['name', c.name],
    ['target', c.target],
    ['priority', String(c.priority)],
    ['content', JSON.stringify(c.content)],
    ['labels', formatTags(c.labels)],
    [
      'metrics',
      Object.entries(c.metrics)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    ],
    ['version', `${c.version} (applied ${c.appliedVersion})`],
    ['status', c.status],
    ['created', formatTime(c.createdAt)],
    ['updated', formatTime(c.updatedAt)],
  ];
  if (metrics !== undefined) {
    const m = metrics.current;
    entries.push(
      ['targeted', n(m.targeted)],
      ['applied', n(m.applied)],
      ['pending', n(m.pending)],
      ['failed', n(m.failed)],
      ['overridden', n(m.overridden)],
    );
    for (const [name, count] of Object.entries(m.custom)) entries.push([`metric ${name}`, n(count)]);
  }
  let text = formatDetails(entries);
  if (metrics !== undefined && metrics.history.length > 0) {
    text += `\nhistory\n${formatTable(
      [
        { header: 'at', value: (h: MetricCounts) => formatTime(h.at) },
        { header: 'counts', value: (h: MetricCounts) => countsText(h) },
      ],
      metrics.history,
    )}`;
  }
  return text;
}

async function showWithMetrics(ctx: CommandContext, id: string, history: number): Promise<void> {
  const configuration = await ctx.client.request<Configuration>('GET', configPath(id));
  const metrics = await ctx.client.request<ConfigurationMetrics>(
    'GET',
    `${configPath(id)}/metrics?history=${history}`,
  );
  ctx.show({ ...configuration, metrics }, () => details(configuration, metrics));
}

/**
 * Follows a configuration's rollout until its desired values are written everywhere and
 * no targeted device is pending (or Ctrl-C), with a progress line on stderr; then prints
 * it with its metrics.
 */
async function watch(ctx: CommandContext, io: CliIo, id: string, history: number): Promise<void> {
  const line = new StatusLine(io.stderr, !ctx.json);
  const tty = io.stderr.isTTY === true;
  const stop = stopSignal(io);
  try {
    for (;;) {
      const configuration = await ctx.client.request<Configuration>('GET', configPath(id));
      const metrics = await ctx.client.request<ConfigurationMetrics>(
        'GET',
        `${configPath(id)}/metrics?history=0`,
      );
      line.update(() => watchLine(configuration, metrics.current, tty));
      if (configuration.status === 'applied' && metrics.current.pending === 0) break;
      await sleep(WATCH_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => {});
      if (stop.signal.aborted) break;
    }
  } finally {
    line.finish();
    stop.dispose();
  }
  await showWithMetrics(ctx, id, history);
}

interface CreateOptions {
  target: string;
  name?: string;
  priority?: number;
  content?: Record<string, unknown>;
  contentFile?: string;
  label?: string[];
  metric?: string[];
  watch?: boolean;
}

/** `configs create|list|show|delete`. */
export function registerConfigurationCommands(program: Command, io: CliIo): void {
  const configs = program
    .command('configs')
    .description('fleet configurations: desired properties applied to every device a condition targets');
  configs
    .command('create')
    .description(
      'create a configuration; it applies at once to the devices its target matches, and to later ones',
    )
    .argument('<id>', 'the configuration id (letters, digits, . _ -)')
    .requiredOption('--target <cel>', 'the devices it applies to, as a condition (docs/CONDITIONS.md)')
    .option('--name <name>', 'a display name (default: the id)')
    .option(
      '--priority <n>',
      'higher wins a property two configurations set (0-1000000)',
      integerIn(0, 1_000_000),
    )
    .option('--content <json>', 'the desired properties it sets, a JSON object', jsonObject)
    .option('--content-file <path>', 'the desired properties it sets, from a JSON file')
    .option('--label <key=value>', 'a label; repeat for more', collect)
    .option(
      '--metric <name=cel>',
      'a custom metric: counts the targeted devices where the condition holds; repeat',
      collect,
    )
    .option('--watch', 'follow the rollout with a progress bar until no device is pending')
    .action(async function createConfiguration(id: string, options: CreateOptions, command: Command) {
      if ((options.content === undefined) === (options.contentFile === undefined))
        throw new UsageError('give exactly one of --content or --content-file');
      let content = options.content;
      if (options.contentFile !== undefined) {
        const text = await readFile(options.contentFile, 'utf8').catch((error: Error) => {
          throw new UsageError(`cannot read ${options.contentFile}: ${error.message}`);
        });
        try {
          content = jsonObject(text);
        } catch (error) {
          throw new UsageError(`${options.contentFile}: ${(error as Error).message}`);
        }
      }
      const ctx = new CommandContext(io, command);
      const json = {
        id,
        target: options.target,
        content,
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.label !== undefined ? { labels: tagsFrom(options.label) } : {}),
        ...(options.metric !== undefined ? { metrics: metricsFrom(options.metric) } : {}),
      };
      const configuration = await ctx.client.request<Configuration>('POST', '/v1/configurations', { json });
      if (options.watch) return watch(ctx, io, configuration.id, 0);
      ctx.show(configuration, (c) => details(c));
    });
  configs
    .command('list')
    .description('configurations in id order')
    .option('--label <key=value>', 'only those with this label')
    .option('--limit <n>', 'at most this many (1-100)', integerIn(1, 100))
    .option('--cursor <cursor>', 'the next page: nextCursor of the previous one')
    .action(async function listConfigurations(
      options: { label?: string; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const query = new URLSearchParams();
      if (options.label) query.set('label', options.label);
      if (options.limit) query.set('limit', String(options.limit));
      if (options.cursor) query.set('cursor', options.cursor);
      const page = await ctx.client.request<Page<Configuration>>(
        'GET',
        `/v1/configurations${query.size > 0 ? `?${query}` : ''}`,
      );
      if (!ctx.json && page.items.length === 0) ctx.note('no configurations');
      ctx.show(page, (p) => formatTable(columns, p.items));
      if (!ctx.json && page.nextCursor !== null) ctx.note(`more: --cursor ${page.nextCursor}`);
    });
  configs
    .command('show')
    .description('one configuration with its metrics; --watch follows its rollout with a progress bar')
    .argument('<id>', 'the configuration id')
    .option('--history <n>', 'also the latest n metric snapshots (0-1440)', integerIn(0, 1440))
    .option('--watch', 'follow the rollout until no targeted device is pending (Ctrl-C stops)')
    .action(async function showConfiguration(
      id: string,
      options: { history?: number; watch?: boolean },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      if (options.watch) return watch(ctx, io, id, options.history ?? 0);
      await showWithMetrics(ctx, id, options.history ?? 0);
    });
  configs
    .command('delete')
    .description('delete a configuration: the properties it set go, unless another configuration sets them')
    .argument('<id>', 'the configuration id')
    .action(async function deleteConfiguration(id: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.request<undefined>('DELETE', configPath(id));
      if (ctx.json) ctx.io.stdout.write(formatJson({ id, deleted: true }));
      else ctx.io.stdout.write(`deleted configuration ${id}\n`);
    });
}
