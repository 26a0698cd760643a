import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import {
  appendChanges,
  type ChangeEntry,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import type { CodecKind, DecodeResult } from './codec.js';
import type { CodecRunner, RunnableCodec } from './codec-runner.js';
import type { DecodedView } from './codec-schemas.js';
import {
  findCodecMessages,
  findDeviceVariables,
  findTypeCodecs,
  type MessageDecodeRow,
  type TypeCodecRow,
  tenantHasCodec,
  type UndecodedMessage,
  upsertDecodes,
} from './codec-store.js';
import { sandboxErrorCode } from './javascript/index.js';

export interface DecodeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
  /** The newest durable feed position on SQLite (`DurableHorizon`): decoding follows the feed up to it. */
  readonly durable?: { readonly position: number };
}

export interface DecodeServiceOptions {
  /** Messages decoded and written together (default 1,000). */
  readonly batchSize?: number;
  /**
   * How long newly captured messages wait to be gathered into one batch (default 20 ms):
   * each batch costs a read of the messages and a write transaction on the server's
   * thread, so a batch per capture commit would cost more than the decoding itself.
   */
  readonly gatherMs?: number;
  /** How long a type's codec and a device's variables are reused before they are read again (default 2 s). */
  readonly contextTtlMs?: number;
  /** How often the feed is read for commits of other processes (default 1 s). */
  readonly pollMs?: number;
  /** Where the decode counters go (the app's `/metrics` registry). */
  readonly metrics?: Registry;
}

/** Counts since start, for tests and logs. */
export interface DecodeStats {
  readonly done: number;
  readonly failed: number;
  /** Always 0: decoding follows the change feed, which keeps everything (kept for the shape). */
  readonly dropped: number;
  /** Messages read from the feed and being decoded now. */
  readonly queued: number;
}

/** The feed consumer that decodes; its cursors and lease are stored under this name. */
export const DECODER_CONSUMER = 'codecs.decoder';

interface Context {
  readonly codec: RunnableCodec;
  readonly variables: Readonly<Record<string, string>>;
}

/** A decode ready to store and announce. */
interface Outcome {
  readonly message: UndecodedMessage;
  readonly row: MessageDecodeRow;
  readonly view: DecodedView;
}

/** What capture stores for a decode result, as the API shows it. */
export function presentDecode(
  result: DecodeResult,
  codecVersion: number | null,
  decodedAt: number,
): DecodedView {
  return {
    data: result.data ?? null,
    warnings: [...result.warnings],
    errors: [...result.errors],
    codecVersion,
    decodedAt: new Date(decodedAt).toISOString(),
  };
}

/**
 * Decodes captured messages after they are durable, never before: a durable consumer of
 * the change feed (`codecs.decoder`) reads each tenant's `message.created` changes in
 * batches, decodes the messages whose type has a codec with the type's current codec and
 * the merged variables, in the worker pool, and commits the results with their
 * `message.decoded` changes in the transaction that moves its cursor, so each message is
 * decoded once, across restarts and crashes (the feed is the queue: nothing is dropped and
 * no catch-up pass is needed). Then the bus hears `message.decoded`. Tenants without any
 * codec are passed over unread. With several processes, one decodes (the consumer's lease).
 */
export class DecodeService {
  readonly #deps: DecodeDeps;
  readonly #runner: CodecRunner;
  readonly #batchSize: number;
  readonly #gatherMs: number;
  readonly #pollMs: number;
  readonly #ttl: number;
  readonly #metrics: Registry | undefined;
  readonly #types = new Map<string, { row: TypeCodecRow | undefined; at: number }>();
  readonly #devices = new Map<string, { variables: Record<string, string>; at: number }>();
  /** Whether a tenant has a type with a codec, as read at `at`. */
  readonly #tenants = new Map<string, { withCodec: boolean; at: number }>();
  #consumer: FeedConsumer | undefined;
  #decoding = 0;
  #stats = { done: 0, failed: 0 };
  readonly #decodes: Counter<'outcome'> | undefined;

  constructor(deps: DecodeDeps, runner: CodecRunner, options: DecodeServiceOptions = {}) {
    this.#deps = deps;
    this.#runner = runner;
    this.#batchSize = options.batchSize ?? 1000;
    this.#gatherMs = options.gatherMs ?? 20;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#ttl = options.contextTtlMs ?? 2_000;
    const registry = options.metrics;
    this.#metrics = registry;
    if (registry) {
      this.#decodes = new Counter({
        name: 'fleetport_codec_decodes_total',
        help: 'Messages decoded after capture (live and re-decode), by outcome: ok, failed',
        labelNames: ['outcome'] as const,
        registers: [registry],
      });
      // Kept for dashboards and the benchmark: the feed consumer drops nothing, so it stays 0.
      new Counter({
        name: 'fleetport_codec_decodes_dropped_total',
        help: 'Always 0: decoding follows the change feed and drops nothing (see fleetport_feed_consumer_lag_seconds)',
        registers: [registry],
      });
      const service = this;
      new Gauge({
        name: 'fleetport_codec_decodes_queued',
        help: 'Captured messages read from the change feed and being decoded now',
        registers: [registry],
        collect() {
          this.set(service.#decoding);
        },
      });
    }
  }

  /** Counts since start. */
  get stats(): DecodeStats {
    return { ...this.#stats, dropped: 0, queued: this.#decoding };
  }

  /**
   * Starts following the feed. A decoder's first start begins after the changes already
   * there: messages captured before any codec existed have no decode due.
   */
  async start(): Promise<void> {
    if (this.#consumer) return;
    const { store, clock, bus, logger, durable } = this.#deps;
    this.#consumer = followChanges(
      {
        store,
        clock,
        bus,
        logger,
        ...(durable ? { durable } : {}),
        ...(this.#metrics ? { metrics: this.#metrics } : {}),
      },
      DECODER_CONSUMER,
      { kinds: ['message.created'], tenants: (tenantId) => this.#tenantHasCodec(tenantId) },
      { effects: 'once', handle: (batch, commit) => this.#decodeBatch(batch, commit) },
      { start: 'latest', batchSize: this.#batchSize, gatherMs: this.#gatherMs, pollMs: this.#pollMs },
    );
  }

  /** Resolves once every message captured before the call is decoded (by this process or the lease holder). */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  /** Stops following after the batch in progress; the next start goes on from its cursors. */
  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  /** Drops cached codec contexts of a type (its codec changed). */
  forgetType(tenantId: string, typeId: string): void {
    this.#types.delete(`${tenantId}\u0000${typeId}`);
    this.#tenants.delete(tenantId);
  }

  /**
   * Decodes messages with their type's current codec and stores the results (replacing
   * earlier ones), with their changes and events. Messages whose type has no codec are
   * skipped. Returns how many were decoded and how many of those failed.
   */
  async decodeAndStore(messages: readonly UndecodedMessage[]): Promise<{ done: number; failed: number }> {
    const { outcomes } = await this.#decode(messages);
    const byTenant = new Map<string, Outcome[]>();
    for (const outcome of outcomes) {
      const list = byTenant.get(outcome.message.tenant_id) ?? [];
      list.push(outcome);
      byTenant.set(outcome.message.tenant_id, list);
    }
    // One transaction per tenant: a tenant's change positions are taken under its own lock.
    for (const [tenantId, list] of byTenant) {
      const store = this.#deps.store;
      const position = await guarded(store, () => transact(store, (tx) => this.#write(tx, tenantId, list)));
      this.#announce(tenantId, position, list);
    }
    return this.#count(outcomes);
  }

  /** One batch of a tenant's captured messages, from the feed: decode, then commit with the cursor. */
  async #decodeBatch(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const messages = await findCodecMessages(
      this.#deps.store,
      batch.tenantId,
      batch.changes.map((change) => change.entityId),
    );
    if (messages.length === 0) return;
    this.#decoding += messages.length;
    try {
      const { outcomes, poolClosed } = await this.#decode(messages);
      // Shutdown closed the pool under the batch: leave it to the next start (the cursor stays).
      if (poolClosed) {
        throw new AppError('unavailable', 'the codec pool closed during a decode batch');
      }
      let position = 0;
      await commit(async (tx) => {
        position = await this.#write(tx, batch.tenantId, outcomes);
      });
      this.#announce(batch.tenantId, position, outcomes);
      this.#count(outcomes);
    } finally {
      this.#decoding -= messages.length;
    }
  }

  /** Runs each message's codec; messages without one, or cut off by a closing pool, are left out. */
  async #decode(
    messages: readonly UndecodedMessage[],
  ): Promise<{ outcomes: Outcome[]; poolClosed: boolean }> {
    if (messages.length === 0) return { outcomes: [], poolClosed: false };
    let poolClosed = false;
    const contexts = await this.#contexts(messages);
    const outcomes = await Promise.all(
      messages.map(async (message): Promise<Outcome | undefined> => {
        const context = contexts.get(message.id);
        if (context === undefined) return undefined;
        const result = await this.#runner.decodeUplink(context.codec, {
          bytes: message.payload,
          recvTime: message.received_at,
          variables: context.variables,
        });
        // A pool closed under us (shutdown) is not the codec's failure.
        if (result.errors.some((entry) => sandboxErrorCode(entry) === 'codec_pool_closed')) {
          poolClosed = true;
          return undefined;
        }
        const now = this.#deps.clock.now();
        const view = presentDecode(result, context.codec.version, now);
        return {
          message,
          view,
          row: {
            message_id: message.id,
            tenant_id: message.tenant_id,
            codec_version: context.codec.version,
            data: view.data === null ? null : JSON.stringify(view.data),
            warnings: JSON.stringify(view.warnings),
            errors: JSON.stringify(view.errors),
            decoded_at: now,
          },
        };
      }),
    );
    return { outcomes: outcomes.filter((outcome): outcome is Outcome => outcome !== undefined), poolClosed };
  }

  #count(outcomes: readonly Outcome[]): { done: number; failed: number } {
    const failed = outcomes.filter((outcome) => outcome.view.errors.length > 0).length;
    this.#stats.done += outcomes.length - failed;
    this.#stats.failed += failed;
    this.#decodes?.inc({ outcome: 'ok' }, outcomes.length - failed);
    this.#decodes?.inc({ outcome: 'failed' }, failed);
    return { done: outcomes.length, failed };
  }

  /** A tenant's decodes and their changes, in the caller's transaction; the last position taken. */
  async #write(tx: Store, tenantId: string, outcomes: readonly Outcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const entries: ChangeEntry[] = outcomes.map((outcome) => ({
      kind: 'message.decoded',
      entityId: outcome.message.id,
      data: {
        messageId: outcome.message.id,
        deviceId: outcome.message.device_id,
        typeId: outcome.message.type_id,
        decoded: outcome.view,
      },
    }));
    await upsertDecodes(
      tx,
      outcomes.map((outcome) => outcome.row),
    );
    return appendChanges(tx, tenantId, entries, this.#deps.clock.now());
  }

  #announce(tenantId: string, position: number, outcomes: readonly Outcome[]): void {
    if (outcomes.length === 0) return;
    const { bus } = this.#deps;
    bus.publish('changes.committed', { tenantId, position });
    for (const outcome of outcomes) {
      bus.publish('message.decoded', {
        tenantId,
        deviceId: outcome.message.device_id,
        typeId: outcome.message.type_id,
        messageId: outcome.message.id,
        decoded: outcome.view,
      });
    }
  }

  /** Whether the tenant has a type with a codec, read again after the context TTL or a codec change. */
  async #tenantHasCodec(tenantId: string): Promise<boolean> {
    const now = this.#deps.clock.now();
    const hit = this.#tenants.get(tenantId);
    if (hit !== undefined && now - hit.at < this.#ttl) return hit.withCodec;
    if (this.#tenants.size > 10_000) this.#tenants.clear();
    const withCodec = await tenantHasCodec(this.#deps.store, tenantId);
    this.#tenants.set(tenantId, { withCodec, at: now });
    return withCodec;
  }

  async #contexts(messages: readonly UndecodedMessage[]): Promise<Map<string, Context>> {
    const now = this.#deps.clock.now();
    const byTenant = new Map<string, { types: Set<string>; devices: Set<string> }>();
    for (const message of messages) {
      const wanted = byTenant.get(message.tenant_id) ?? {
        types: new Set<string>(),
        devices: new Set<string>(),
      };
      const typeHit = this.#types.get(`${message.tenant_id}\u0000${message.type_id}`);
      if (!typeHit || now - typeHit.at >= this.#ttl) wanted.types.add(message.type_id);
      const deviceHit = this.#devices.get(`${message.tenant_id}\u0000${message.device_id}`);
      if (!deviceHit || now - deviceHit.at >= this.#ttl) wanted.devices.add(message.device_id);
      byTenant.set(message.tenant_id, wanted);
    }
    if (this.#types.size > 10_000) this.#types.clear();
    if (this.#devices.size > 100_000) this.#devices.clear();
    for (const [tenantId, wanted] of byTenant) {
      if (wanted.types.size > 0) {
        const rows = await findTypeCodecs(this.#deps.store, tenantId, [...wanted.types]);
        for (const typeId of wanted.types)
          this.#types.set(`${tenantId}\u0000${typeId}`, { row: undefined, at: now });
        for (const row of rows) this.#types.set(`${tenantId}\u0000${row.id}`, { row, at: now });
      }
      if (wanted.devices.size > 0) {
        const rows = await findDeviceVariables(this.#deps.store, tenantId, [...wanted.devices]);
        for (const deviceId of wanted.devices)
          this.#devices.set(`${tenantId}\u0000${deviceId}`, { variables: {}, at: now });
        for (const row of rows) {
          this.#devices.set(`${tenantId}\u0000${row.id}`, {
            variables: JSON.parse(row.variables) as Record<string, string>,
            at: now,
          });
        }
      }
    }
    const contexts = new Map<string, Context>();
    for (const message of messages) {
      const type = this.#types.get(`${message.tenant_id}\u0000${message.type_id}`)?.row;
      if (type?.codec_kind == null || type.codec_source === null) continue;
      const device = this.#devices.get(`${message.tenant_id}\u0000${message.device_id}`)?.variables ?? {};
      contexts.set(message.id, {
        codec: typeCodec(type),
        // The device's variables override its type's.
        variables: { ...(JSON.parse(type.variables) as Record<string, string>), ...device },
      });
    }
    return contexts;
  }

  async #store(outcomes: readonly Outcome[]): Promise<void> {
    const byTenant = new Map<string, Outcome[]>();
    for (const outcome of outcomes) {
      const list = byTenant.get(outcome.message.tenant_id) ?? [];
      list.push(outcome);
      byTenant.set(outcome.message.tenant_id, list);
    }
    const { store } = this.#deps;
    // One transaction per tenant: a tenant's change positions are taken under its own lock.
    for (const [tenantId, list] of byTenant) {
      const position = await guarded(store, () => transact(store, (tx) => this.#write(tx, tenantId, list)));
      this.#announce(tenantId, position, list);
    }
  }
}

/** The runnable codec of a type row that has one. */
export function typeCodec(row: TypeCodecRow): RunnableCodec {
  return {
    // Tenants may reuse type ids: the pool's cache key must tell them apart.
    id: `${row.tenant_id}/${row.id}`,
    version: row.codec_version,
    kind: row.codec_kind as CodecKind,
    source: row.codec_source ?? '',
  };
}
