import { mkdirSync } from 'node:fs';
import { type FileHandle, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';
import { encodeRecord, type IncomingRequest, type StoredRequest } from './record-codec.js';
import { scanSegment } from './segment-scan.js';

/** How the log rotates and what it keeps. */
export interface LogOptions {
  readonly dir: string;
  /** A segment is closed once it holds this many bytes. */
  readonly segmentBytes: number;
  /** …or once its first record is this old, so that retention can drop whole segments by age. */
  readonly segmentMs: number;
  /** Segments whose records are all older than this are deleted. */
  readonly retentionMs: number;
  /** The oldest segments are deleted while all of them together hold more than this. */
  readonly maxBytes: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Something the log found wrong in its files and did not hide. */
export interface Fault {
  readonly segment: string;
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
  /** Where the bytes were copied before the segment was cut back (a torn tail). */
  readonly savedTo?: string;
}

/** What `read` is asked for: records after a cursor, optionally within receive times. */
export interface ReadQuery {
  /** Records with a greater sequence number; 0 for all. */
  readonly since: number;
  /** Only records received at or after this time (Unix ms). */
  readonly from?: number | undefined;
  /** Only records received before this time (Unix ms). */
  readonly to?: number | undefined;
  readonly limit: number;
}

export interface ReadPage {
  readonly records: readonly StoredRequest[];
  /** Damaged ranges met on the way (each reported by the page whose cursor passes it). */
  readonly faults: readonly Fault[];
  /** Sequence numbers after the cursor that retention already deleted. */
  readonly deleted?: { readonly first: number; readonly last: number };
  /** The cursor for the next page. */
  readonly next: number;
  /** False once the page reached the newest durable record. */
  readonly more: boolean;
}

interface Segment {
  readonly name: string;
  readonly firstSeq: number;
  readonly firstTime: number;
  size: number;
}

interface Pending {
  readonly record: StoredRequest;
  resolve(seq: number): void;
  reject(error: unknown): void;
}

/** The log is closed: nothing more is appended. */
export class LogClosedError extends Error {
  constructor() {
    super('the backup log is closed');
    this.name = 'LogClosedError';
  }
}

const SEGMENT_FILE = /^(\d{16})-(\d{13})\.seg$/;
const segmentName = (seq: number, time: number) =>
  `${String(seq).padStart(16, '0')}-${String(Math.max(0, time)).padStart(13, '0')}.seg`;
/** Keep an offset for every so many records of a segment read, so a cursor finds its place quickly. */
const INDEX_EVERY = 64;
const INDEXED_SEGMENTS = 64;
/** A page reads at most this many records past its filter before it answers with a cursor. */
const SCAN_PER_RECORD = 20;
/** A page's bodies stop growing past this many bytes. */
const PAGE_BYTES = 4 * 1024 * 1024;

/**
 * An append-only log of requests in segment files named by their first sequence number and
 * receive time. Appends that arrive while a sync runs are written and synced together
 * (one `fdatasync` for all), and each is resolved only after its sync: a request is
 * acknowledged only once it is on disk. At start the newest segment is checked record by
 * record; a torn last record (a crash inside a write, never acknowledged) is copied aside
 * and cut off, damage before whole records is reported and kept.
 */
export class SegmentLog {
  readonly #options: LogOptions;
  readonly #sealed: Segment[] = [];
  #active: (Segment & { handle: FileHandle }) | undefined;
  #lastSeq = 0;
  /** The newest record whose sync completed: readers never see past it. */
  #durableSeq = 0;
  #durableSize = 0;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;
  #lastError: { readonly message: string; readonly at: number } | undefined;
  readonly #recoveries: Fault[] = [];
  readonly #indexes = new Map<string, { seq: number; offset: number }[]>();

  private constructor(options: LogOptions) {
    this.#options = options;
  }

  /** Opens (or creates) the log in `options.dir`, checking the newest segment. */
  static async open(options: LogOptions): Promise<SegmentLog> {
    mkdirSync(options.dir, { recursive: true });
    const log = new SegmentLog(options);
    await log.#recover();
    await log.enforceRetention();
    return log;
  }

  async #recover(): Promise<void> {
    const names = (await readdir(this.#options.dir)).filter((name) => SEGMENT_FILE.test(name)).sort();
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name);
      if (!match) continue;
      const { size } = await stat(path.join(this.#options.dir, name));
      this.#sealed.push({ name, firstSeq: Number(match[1]), firstTime: Number(match[2]), size });
    }
    const last = this.#sealed.pop();
    if (!last) return;
    const file = path.join(this.#options.dir, last.name);
    const handle = await open(file, 'r+');
    let end = 0;
    let lastSeq = last.firstSeq - 1;
    try {
      for await (const item of scanSegment(handle, 0, last.size)) {
        if (item.kind === 'record') {
          end = item.offset + item.bytes;
          lastSeq = item.record.seq;
          continue;
        }
        if (item.offset + item.bytes < last.size) {
          // Whole records follow: damage, not a torn write. Kept, and reported by readers.
          const fault = { segment: last.name, offset: item.offset, bytes: item.bytes, reason: item.reason };
          this.#recoveries.push(fault);
          this.#options.logger.error('damaged bytes before whole records: kept and reported', fault);
        }
      }
      if (end < last.size) {
        // The bytes after the last whole record were never acknowledged (a crash inside a
        // write): kept in a file of their own, then cut off so appends continue after it.
        const tail = Buffer.alloc(last.size - end);
        await handle.read(tail, 0, tail.length, end);
        const savedTo = `${last.name}.torn-${end}`;
        await writeFile(path.join(this.#options.dir, savedTo), tail, { flush: true });
        await handle.truncate(end);
        await handle.datasync();
        const fault = {
          segment: last.name,
          offset: end,
          bytes: tail.length,
          reason: 'a torn record at the end of the newest segment',
          savedTo,
        };
        this.#recoveries.push(fault);
        this.#options.logger.warn('cut a torn record off the newest segment', fault);
      }
    } finally {
      await handle.close();
    }
    const appendHandle = await open(file, 'a');
    this.#active = { ...last, size: end, handle: appendHandle };
    this.#lastSeq = lastSeq;
    this.#durableSeq = lastSeq;
    this.#durableSize = end;
  }

  /** Stores a request; resolves with its sequence number once it is synced to disk. */
  append(request: IncomingRequest): Promise<number> {
    if (this.#closed) return Promise.reject(new LogClosedError());
    this.#lastSeq += 1;
    const record: StoredRequest = { ...request, seq: this.#lastSeq };
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#write(batch.map((p) => p.record));
          this.#lastError = undefined;
          for (const entry of batch) entry.resolve(entry.record.seq);
        } catch (error) {
          this.#lastError = { message: (error as Error).message, at: this.#options.now() };
          this.#options.logger.error('a write to the log failed: its requests were answered 503', {
            error: (error as Error).message,
            requests: batch.length,
          });
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #write(records: readonly StoredRequest[]): Promise<void> {
    const first = records[0];
    if (!first) return;
    const bytes = Buffer.concat(records.map(encodeRecord));
    const active = this.#active;
    if (
      !active ||
      (active.size > 0 &&
        (active.size + bytes.length > this.#options.segmentBytes ||
          this.#options.now() - active.firstTime >= this.#options.segmentMs))
    ) {
      await this.#rotate(first);
    }
    const target = this.#active;
    if (!target) throw new Error('no segment to write to');
    const before = target.size;
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await target.handle.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      await target.handle.datasync();
    } catch (error) {
      // A partial write must not stay in front of the records that follow it.
      await target.handle.truncate(before).catch(() => undefined);
      throw error;
    }
    target.size = before + bytes.length;
    this.#durableSize = target.size;
    this.#durableSeq = records.at(-1)?.seq ?? this.#durableSeq;
  }

  /** Closes the active segment and starts one named after `first`. */
  async #rotate(first: StoredRequest): Promise<void> {
    const previous = this.#active;
    const name = segmentName(first.seq, first.receivedAt);
    const handle = await open(path.join(this.#options.dir, name), 'a');
    // The new file's name must survive a power cut as surely as the records written to it.
    const dir = await open(this.#options.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    if (previous) {
      await previous.handle.close();
      const { handle: _closed, ...sealed } = previous;
      if (sealed.size > 0) this.#sealed.push(sealed);
      else await rm(path.join(this.#options.dir, sealed.name), { force: true });
    }
    this.#active = { name, firstSeq: first.seq, firstTime: first.receivedAt, size: 0, handle };
    this.#durableSize = 0;
    this.#options.logger.info('started a segment', { segment: name });
    await this.enforceRetention();
  }

  /**
   * Deletes closed segments older than the retention, then the oldest while the log is
   * larger than its bound. The active segment is never deleted.
   */
  async enforceRetention(): Promise<void> {
    const { retentionMs, maxBytes, now } = this.#options;
    const oldest = now() - retentionMs;
    let total = this.#sealed.reduce((sum, s) => sum + s.size, 0) + (this.#active?.size ?? 0);
    while (this.#sealed.length > 0) {
      const segment = this.#sealed[0] as Segment;
      // Every record of a segment came before the next segment's first one.
      const upper = this.#sealed[1]?.firstTime ?? this.#active?.firstTime ?? now();
      const reason = upper < oldest ? 'age' : total > maxBytes ? 'size' : undefined;
      if (reason === undefined) break;
      await rm(path.join(this.#options.dir, segment.name), { force: true });
      this.#sealed.shift();
      this.#indexes.delete(segment.name);
      total -= segment.size;
      this.#options.logger.info('deleted a segment (retention)', { segment: segment.name, reason });
    }
  }

  /** Durable records after `query.since`, in sequence order. */
  async read(query: ReadQuery): Promise<ReadPage> {
    const segments: Segment[] = [...this.#sealed];
    if (this.#active) segments.push({ ...this.#active, size: this.#durableSize });
    const durableSeq = this.#durableSeq;
    const records: StoredRequest[] = [];
    const faults: Fault[] = [];
    let cursor = query.since;
    let bodyBytes = 0;
    let scanned = 0;
    const scanLimit = query.limit * SCAN_PER_RECORD;
    const oldest = segments[0];
    // Sequence numbers start at 1: a first segment that starts later lost its elders to retention.
    const deleted =
      oldest && oldest.firstSeq > query.since + 1
        ? { first: query.since + 1, last: oldest.firstSeq - 1 }
        : undefined;
    let start = 0;
    segments.forEach((segment, index) => {
      if (segment.firstSeq <= query.since) start = index;
      if (query.from !== undefined && segment.firstTime <= query.from && index > start) start = index;
    });
    for (let index = start; index < segments.length; index++) {
      const segment = segments[index] as Segment;
      if (query.to !== undefined && index > start && segment.firstTime >= query.to) break;
      const place = this.#placeOf(segment, query.since);
      let passed = segment.firstSeq > query.since;
      let handle: FileHandle;
      try {
        handle = await open(path.join(this.#options.dir, segment.name), 'r');
      } catch (error) {
        // Deleted by retention since the list was taken.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      try {
        let count = 0;
        for await (const item of scanSegment(handle, place.offset, segment.size)) {
          if (item.kind === 'fault') {
            if (passed)
              faults.push({
                segment: segment.name,
                offset: item.offset,
                bytes: item.bytes,
                reason: item.reason,
              });
            continue;
          }
          const { record } = item;
          if ((place.count + count) % INDEX_EVERY === 0)
            this.#remember(segment.name, record.seq, item.offset);
          count += 1;
          if (record.seq > durableSeq) break;
          if (record.seq >= query.since) passed = true;
          if (record.seq <= query.since) continue;
          cursor = record.seq;
          scanned += 1;
          const inRange =
            (query.from === undefined || record.receivedAt >= query.from) &&
            (query.to === undefined || record.receivedAt < query.to);
          if (inRange) {
            records.push(record);
            bodyBytes += record.body.length;
          }
          if (records.length >= query.limit || bodyBytes >= PAGE_BYTES || scanned >= scanLimit)
            return {
              records,
              faults,
              next: cursor,
              more: cursor < durableSeq,
              ...(deleted ? { deleted } : {}),
            };
        }
      } finally {
        await handle.close();
      }
    }
    return { records, faults, next: cursor, more: false, ...(deleted ? { deleted } : {}) };
  }

  /** Where to start reading a segment for a cursor: a remembered record at or before it. */
  #placeOf(segment: Segment, since: number): { offset: number; count: number } {
    const index = this.#indexes.get(segment.name);
    let best = { offset: 0, count: 0 };
    if (!index) return best;
    for (let i = 0; i < index.length; i++) {
      const entry = index[i];
      if (!entry || entry.seq > since) break;
      best = { offset: entry.offset, count: i * INDEX_EVERY };
    }
    return best;
  }

  #remember(segment: string, seq: number, offset: number): void {
    let index = this.#indexes.get(segment);
    if (!index) {
      if (this.#indexes.size >= INDEXED_SEGMENTS) {
        const first = this.#indexes.keys().next().value;
        if (first !== undefined) this.#indexes.delete(first);
      }
      index = [];
      this.#indexes.set(segment, index);
    }
    const last = index.at(-1);
    if (!last || seq > last.seq) index.push({ seq, offset });
  }

  /** What `/healthz` shows. */
  stats() {
    const segments = this.#sealed.length + (this.#active ? 1 : 0);
    const bytes = this.#sealed.reduce((sum, s) => sum + s.size, 0) + this.#durableSize;
    const oldest = this.#sealed[0] ?? this.#active;
    return {
      lastRecord: this.#durableSeq,
      segments,
      bytes,
      oldest: oldest ? { seq: oldest.firstSeq, receivedAt: oldest.firstTime } : null,
      lastError: this.#lastError ?? null,
      recoveries: [...this.#recoveries],
    };
  }

  /** Whether the last write succeeded (a full disk makes it false until a write succeeds). */
  get writable(): boolean {
    return this.#lastError === undefined;
  }

  /** Waits for the writes in flight, then closes the active segment. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
    await this.#active?.handle.close();
    this.#active = undefined;
  }
}
