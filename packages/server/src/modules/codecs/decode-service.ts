import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import { appendChanges, type ChangeEntry } from '../changes/index.js';
import type { CodecKind, DecodeResult } from './codec.js';
import type { CodecRunner, RunnableCodec } from './codec-runner.js';
import type { DecodedView } from './codec-schemas.js';
import {
  findDeviceVariables,
  findMessagesById,
  findTypeCodecs,
  findUndecoded,
  type MessageDecodeRow,
  readCodecState,
  type TypeCodecRow,
  type UndecodedMessage,
  upsertDecodes,
  writeCodecState,
} from './codec-store.js';
import { sandboxErrorCode } from './javascript/index.js';

export interface DecodeDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
}

export interface DecodeServiceOptions {
  /** Messages waiting to be decoded before new ones are dropped to the catch-up pass (default 50,000). */
  readonly queueLimit?: number;
  /** Messages decoded and written together (default 1,000). */
  readonly batchSize?: number;
  /**
   * How long newly captured messages wait to be gathered into one batch (default 20 ms):
   * each batch costs a read of the messages and a write transaction on the server's
   * thread, so a batch per capture commit would cost more than the decoding itself.
   */
  readonly gatherMs?: number;
  /** Batches in progress at once (default 4: two per worker of a two-core pool). */
  readonly concurrency?: number;
  /** How long a type's codec and a device's variables are reused before they are read again (default 2 s). */
  readonly contextTtlMs?: number;
  /** How often the catch-up checkpoint is saved (default 5 s). */
  readonly checkpointEveryMs?: number;
  /**
   * How far before the checkpoint a restart looks for messages left undecoded (default 60 s):
   * a message's id carries its receive time, and its batch may commit a little later.
   */
  readonly catchUpMarginMs?: number;
  /** Where the decode counters go (the app's `/metrics` registry). */
  readonly metrics?: Registry;
}

/** Counts since start, for tests and logs. */
export interface DecodeStats {
  readonly done: number;
  readonly failed: number;
  readonly dropped: number;
  readonly queued: number;
}

const CHECKPOINT = 'decode_checkpoint';

/** The smallest UUIDv7-shaped id of a millisecond: every real id of that time sorts after it. */
export function idLowerBound(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The receive time a message id (UUIDv7) carries. */
export function idTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

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
 * Decodes captured messages after they are durable, never before: it listens for
 * `message.captured`, queues message ids (bounded), and decodes them in batches with the
 * device type's current codec and the merged variables, in the worker pool. Each batch's
 * results and their `message.decoded` changes commit together; then the bus hears
 * `message.decoded`. A full queue drops ids (counted) and remembers the oldest; a catch-up
 * pass later finds every message of a codec type that has no decode, from the store, which
 * is also how a restart picks up what the previous process had not decoded.
 */
export class DecodeService {
  readonly #deps: DecodeDeps;
  readonly #runner: CodecRunner;
  readonly #queueLimit: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #gatherMs: number;
  #gathering: NodeJS.Timeout | undefined;
  readonly #ttl: number;
  readonly #checkpointEvery: number;
  readonly #margin: number;
  readonly #queue: string[] = [];
  /** Ids queued or being decoded, so the catch-up pass does not queue them twice. */
  readonly #pending = new Set<string>();
  readonly #types = new Map<string, { row: TypeCodecRow | undefined; at: number }>();
  readonly #devices = new Map<string, { variables: Record<string, string>; at: number }>();
  #running = 0;
  #idle: (() => void)[] = [];
  /** The oldest id that may lack a decode (dropped, failed to store, or before a restart). */
  #missedFrom: string | undefined;
  #catchingUp = false;
  #closed = false;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastCheckpoint: number | undefined;
  #stats = { done: 0, failed: 0, dropped: 0 };
  readonly #decodes: Counter<'outcome'> | undefined;
  readonly #dropped: Counter | undefined;

  constructor(deps: DecodeDeps, runner: CodecRunner, options: DecodeServiceOptions = {}) {
    this.#deps = deps;
    this.#runner = runner;
    this.#queueLimit = options.queueLimit ?? 50_000;
    this.#batchSize = options.batchSize ?? 1000;
    this.#gatherMs = options.gatherMs ?? 20;
    this.#concurrency = options.concurrency ?? 4;
    this.#ttl = options.contextTtlMs ?? 2_000;
    this.#checkpointEvery = options.checkpointEveryMs ?? 5_000;
    this.#margin = options.catchUpMarginMs ?? 60_000;
    const registry = options.metrics;
    if (registry) {
      this.#decodes = new Counter({
        name: 'fleetport_codec_decodes_total',
        help: 'Messages decoded after capture (live, catch-up and re-decode), by outcome: ok, failed',
        labelNames: ['outcome'] as const,
        registers: [registry],
      });
      this.#dropped = new Counter({
        name: 'fleetport_codec_decodes_dropped_total',
        help: 'Captured messages not queued for decoding because the queue was full; the catch-up pass decodes them later',
        registers: [registry],
      });
      const queue = this.#queue;
      new Gauge({
        name: 'fleetport_codec_decodes_queued',
        help: 'Captured messages waiting to be decoded',
        registers: [registry],
        collect() {
          this.set(queue.length);
        },
      });
    }
  }

  /** Counts since start. */
  get stats(): DecodeStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Starts listening, and catches up on what the previous run left undecoded. */
  async start(): Promise<void> {
    const saved = await readCodecState(this.#deps.store, CHECKPOINT);
    if (saved === undefined) {
      // The first start with codecs: nothing captured before can have a codec's decode due.
      await writeCodecState(this.#deps.store, CHECKPOINT, String(this.#deps.clock.now()));
    } else {
      this.#markMissed(idLowerBound(Number(saved)));
    }
    this.#unsubscribe = this.#deps.bus.subscribe('message.captured', (event) => {
      // Most types have no codec: skip those without reading the message back.
      if (this.#knownWithoutCodec(event.tenantId, event.typeId)) return;
      this.#enqueue(event.messageId);
    });
    this.#timer = setInterval(() => {
      void this.#saveCheckpoint().catch((error: unknown) =>
        this.#deps.logger.warn({ err: error }, 'saving the decode checkpoint failed'),
      );
    }, this.#checkpointEvery);
    this.#timer.unref();
    void this.#catchUp();
  }

  /** Resolves when nothing is queued, being decoded or waiting for catch-up. */
  async idle(): Promise<void> {
    while (!this.#isIdle()) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
  }

  /** Stops taking messages, lets batches in progress finish, and saves the checkpoint. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    clearInterval(this.#timer);
    clearTimeout(this.#gathering);
    while (this.#running > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#saveCheckpoint().catch((error: unknown) =>
      this.#deps.logger.warn({ err: error }, 'saving the decode checkpoint failed'),
    );
  }

  /** Drops cached codec contexts of a type (its codec changed). */
  forgetType(tenantId: string, typeId: string): void {
    this.#types.delete(`${tenantId}\u0000${typeId}`);
  }

  /**
   * Decodes messages with their type's current codec and stores the results (replacing
   * earlier ones), with their changes and events. Messages whose type has no codec are
   * skipped. Returns how many were decoded and how many of those failed.
   */
  async decodeAndStore(messages: readonly UndecodedMessage[]): Promise<{ done: number; failed: number }> {
    if (messages.length === 0) return { done: 0, failed: 0 };
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
        // A pool closed under us (shutdown) is not the codec's failure: leave the message for catch-up.
        if (result.errors.some((entry) => sandboxErrorCode(entry) === 'codec_pool_closed')) return undefined;
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
    const stored = outcomes.filter((outcome): outcome is Outcome => outcome !== undefined);
    await this.#store(stored);
    const failed = stored.filter((outcome) => outcome.view.errors.length > 0).length;
    this.#stats.done += stored.length - failed;
    this.#stats.failed += failed;
    this.#decodes?.inc({ outcome: 'ok' }, stored.length - failed);
    this.#decodes?.inc({ outcome: 'failed' }, failed);
    return { done: stored.length, failed };
  }

  /** True when the type was looked up recently and had no codec (codec changes forget it at once). */
  #knownWithoutCodec(tenantId: string, typeId: string): boolean {
    const hit = this.#types.get(`${tenantId}\u0000${typeId}`);
    if (!hit || this.#deps.clock.now() - hit.at >= this.#ttl) return false;
    return hit.row?.codec_kind == null || hit.row.codec_source === null;
  }

  #enqueue(messageId: string): void {
    if (this.#closed || this.#pending.has(messageId)) return;
    if (this.#queue.length >= this.#queueLimit) {
      this.#stats.dropped += 1;
      this.#dropped?.inc();
      this.#markMissed(messageId);
      return;
    }
    this.#queue.push(messageId);
    this.#pending.add(messageId);
    if (this.#queue.length >= this.#batchSize || this.#gatherMs === 0) this.#pump();
    else
      this.#gathering ??= setTimeout(() => {
        this.#gathering = undefined;
        this.#pump();
      }, this.#gatherMs).unref();
  }

  #markMissed(id: string): void {
    // Inclusive: the catch-up scan reads ids strictly after this, so step just below it.
    const bound = `${id.slice(0, -1)}${String.fromCharCode(id.charCodeAt(id.length - 1) - 1)}`;
    if (this.#missedFrom === undefined || bound < this.#missedFrom) this.#missedFrom = bound;
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#concurrency && this.#queue.length > 0) {
      const ids = this.#queue.splice(0, this.#batchSize);
      this.#running += 1;
      void this.#decodeIds(ids).finally(() => {
        this.#running -= 1;
        for (const id of ids) this.#pending.delete(id);
        this.#pump();
        if (this.#missedFrom !== undefined && this.#queue.length < this.#queueLimit / 2) void this.#catchUp();
        this.#wake();
      });
    }
  }

  #isIdle(): boolean {
    return (
      this.#running === 0 && this.#queue.length === 0 && this.#missedFrom === undefined && !this.#catchingUp
    );
  }

  #wake(): void {
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }

  async #decodeIds(ids: readonly string[]): Promise<void> {
    try {
      const messages = await findMessagesById(this.#deps.store, ids);
      await this.decodeAndStore(messages);
    } catch (error) {
      // The store failed: these stay without a decode, and the catch-up pass retries them.
      this.#deps.logger.error({ err: error, messages: ids.length }, 'decoding a batch failed');
      const oldest = [...ids].sort()[0];
      if (oldest !== undefined) this.#markMissed(oldest);
    }
  }

  /** Walks the store from the oldest missed id, queueing what has no decode, while the queue has room. */
  async #catchUp(): Promise<void> {
    if (this.#catchingUp || this.#closed) return;
    this.#catchingUp = true;
    try {
      while (this.#missedFrom !== undefined && !this.#closed && this.#queue.length < this.#queueLimit / 2) {
        const from = this.#missedFrom;
        const page = await findUndecoded(this.#deps.store, from, 500);
        const last = page.at(-1);
        if (this.#missedFrom === from) this.#missedFrom = last?.id;
        for (const message of page) {
          if (this.#pending.has(message.id)) continue;
          this.#queue.push(message.id);
          this.#pending.add(message.id);
        }
        this.#pump();
      }
    } catch (error) {
      this.#deps.logger.error(
        { err: error },
        'the decode catch-up pass failed; it runs again after the next batch',
      );
    } finally {
      this.#catchingUp = false;
      this.#wake();
    }
  }

  async #saveCheckpoint(): Promise<void> {
    // Everything older than the oldest id still queued, in progress or missed is decoded.
    let oldest = this.#missedFrom;
    for (const id of this.#pending) if (oldest === undefined || id < oldest) oldest = id;
    const at = (oldest === undefined ? this.#deps.clock.now() : idTime(oldest)) - this.#margin;
    if (at === this.#lastCheckpoint) return;
    await writeCodecState(this.#deps.store, CHECKPOINT, String(at));
    this.#lastCheckpoint = at;
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
    const { store, bus, clock } = this.#deps;
    // One transaction per tenant: a tenant's change positions are taken under its own lock.
    for (const [tenantId, list] of byTenant) {
      const entries: ChangeEntry[] = list.map((outcome) => ({
        kind: 'message.decoded',
        entityId: outcome.message.id,
        data: {
          messageId: outcome.message.id,
          deviceId: outcome.message.device_id,
          typeId: outcome.message.type_id,
          decoded: outcome.view,
        },
      }));
      const position = await guarded(store, () =>
        transact(store, async (tx) => {
          await upsertDecodes(
            tx,
            list.map((outcome) => outcome.row),
          );
          return appendChanges(tx, tenantId, entries, clock.now());
        }),
      );
      bus.publish('changes.committed', { tenantId, position });
      for (const outcome of list) {
        bus.publish('message.decoded', {
          tenantId,
          deviceId: outcome.message.device_id,
          typeId: outcome.message.type_id,
          messageId: outcome.message.id,
          decoded: outcome.view,
        });
      }
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
