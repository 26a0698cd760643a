import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Every message's payload is this long: the "~50 bytes". */
export const PAYLOAD_BYTES = 50;

/** Payload of the readiness probes; never counted as a message. */
export const PROBE_PAYLOAD = 'ready';

/**
 * `p{publisher}:{seq}:` padded with `x` to PAYLOAD_BYTES, e.g. `p0:0000042:xxx…`: the
 * subscriber's output names each message, so losses, duplicates and reordering can be
 * told apart (no spaces, so the `%U %t %p` output line splits on them).
 */
export function payload(publisher: number, seq: number): string {
  return `p${publisher}:${seq.toString().padStart(7, '0')}:`.padEnd(PAYLOAD_BYTES, 'x');
}

/**
 * Writes each publisher's messages as input files of at most `chunk` lines (one message a
 * line, for `mosquitto_pub -l`); returns the files of each publisher in order.
 */
export function writePublisherInputs(
  dir: string,
  publishers: number,
  perPublisher: number,
  chunk: number,
): string[][] {
  const files: string[][] = [];
  for (let publisher = 0; publisher < publishers; publisher += 1) {
    const own: string[] = [];
    for (let start = 0; start < perPublisher; start += chunk) {
      const file = path.join(dir, `p${publisher}-${own.length}.txt`);
      const fd = openSync(file, 'w');
      try {
        const lines: string[] = [];
        for (let seq = start; seq < Math.min(perPublisher, start + chunk); seq += 1)
          lines.push(payload(publisher, seq));
        writeSync(fd, `${lines.join('\n')}\n`);
      } finally {
        closeSync(fd);
      }
      own.push(file);
    }
    files.push(own);
  }
  return files;
}

/** What the subscriber received, checked against what was sent. */
export interface DeliveryCount {
  /** Messages delivered, duplicates included (probes excluded). */
  readonly delivered: number;
  /** Distinct messages delivered. */
  readonly unique: number;
  /** Messages sent but never delivered. */
  readonly lost: number;
  readonly duplicates: number;
  /**
   * Messages that arrived after a later one sent over the same connection (one input
   * chunk): MQTT orders messages per connection and topic, not across connections.
   */
  readonly reordered: number;
  /** Lines that are neither a probe nor a message that was sent. */
  readonly unexpected: number;
  /** The first unexpected line, for the error message. */
  readonly firstUnexpected: string | undefined;
  /** Subscriber timestamps (ms since the epoch) of the first and last message. */
  readonly firstMs: number;
  readonly lastMs: number;
}

/**
 * Reads `mosquitto_sub -F '%U %t %p'` output (`<unix seconds.nanoseconds> <topic>
 * <payload>` a line) as it arrives and tallies the messages of `publishers` publishers of
 * `perPublisher` messages each.
 */
export class DeliveryTally {
  readonly #perPublisher: number;
  readonly #seen: Uint8Array[];
  readonly #chunk: number;
  readonly #chunksPerPublisher: number;
  /** Highest sequence number seen per publisher and chunk (one connection each). */
  readonly #highest: number[];
  #partial = '';
  #delivered = 0;
  #unique = 0;
  #duplicates = 0;
  #reordered = 0;
  #unexpected = 0;
  #firstUnexpected: string | undefined;
  #probes = 0;
  #firstMs = Number.NaN;
  #lastMs = Number.NaN;

  /** `chunk`: messages per connection (`mosquitto_pub` process) of a publisher. */
  constructor(publishers: number, perPublisher: number, chunk: number) {
    this.#chunk = chunk;
    this.#chunksPerPublisher = Math.ceil(perPublisher / chunk);
    this.#perPublisher = perPublisher;
    this.#seen = Array.from({ length: publishers }, () => new Uint8Array(perPublisher));
    this.#highest = Array.from({ length: publishers * this.#chunksPerPublisher }, () => -1);
  }

  /** Probes seen so far: the subscription is in place once one arrives. */
  get probes(): number {
    return this.#probes;
  }

  /** Messages delivered so far, duplicates included. */
  get delivered(): number {
    return this.#delivered;
  }

  get unique(): number {
    return this.#unique;
  }

  /** Feeds a chunk of the subscriber's stdout. */
  write(chunk: string): void {
    const text = this.#partial + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.#partial = text;
      return;
    }
    this.#partial = text.slice(end + 1);
    for (const line of text.slice(0, end).split('\n')) this.#line(line);
  }

  #line(line: string): void {
    if (line === '') return;
    const firstSpace = line.indexOf(' ');
    const lastSpace = line.lastIndexOf(' ');
    const body = line.slice(lastSpace + 1);
    if (body === PROBE_PAYLOAD) {
      this.#probes += 1;
      return;
    }
    const match = /^p(\d+):(\d+):x*$/.exec(body);
    const publisher = Number(match?.[1] ?? Number.NaN);
    const seq = Number(match?.[2] ?? Number.NaN);
    const seen = this.#seen[publisher];
    if (
      firstSpace <= 0 ||
      seen === undefined ||
      !(seq < this.#perPublisher) ||
      body.length !== PAYLOAD_BYTES
    ) {
      this.#unexpected += 1;
      this.#firstUnexpected ??= line.slice(0, 200);
      return;
    }
    this.#delivered += 1;
    const times = seen[seq] ?? 0;
    if (times === 0) this.#unique += 1;
    else this.#duplicates += 1;
    seen[seq] = Math.min(255, times + 1);
    const connection = publisher * this.#chunksPerPublisher + Math.floor(seq / this.#chunk);
    const highest = this.#highest[connection] ?? -1;
    if (seq < highest && times === 0) this.#reordered += 1;
    if (seq > highest) this.#highest[connection] = seq;
    const [seconds = '', fraction = ''] = line.slice(0, firstSpace).split('.');
    const ms = Number(seconds) * 1000 + Number(fraction.padEnd(9, '0').slice(0, 9)) / 1e6;
    if (Number.isNaN(this.#firstMs)) this.#firstMs = ms;
    this.#lastMs = ms;
  }

  /** The tally so far (call after the subscriber's output ended for the final one). */
  count(): DeliveryCount {
    const sent = this.#seen.length * this.#perPublisher;
    return {
      delivered: this.#delivered,
      unique: this.#unique,
      lost: sent - this.#unique,
      duplicates: this.#duplicates,
      reordered: this.#reordered,
      unexpected: this.#unexpected,
      firstUnexpected: this.#firstUnexpected,
      firstMs: this.#firstMs,
      lastMs: this.#lastMs,
    };
  }
}
