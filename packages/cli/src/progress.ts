import type { OutputStream } from './io.js';
import { formatBytes } from './output.js';

export interface ProgressOptions {
  /** What is counted: bytes are shown as KiB/MiB, rows as numbers. */
  readonly unit: 'bytes' | 'rows';
  /** The expected total, when known; gives a percentage and a bar. */
  readonly total?: number | undefined;
  /** Prefix of the line, like `uploading devices.csv`. */
  readonly label: string;
  readonly enabled: boolean;
}

const TTY_INTERVAL_MS = 100;
/** Logs (CI, files) get a plain line this often at most, so they stay readable. */
const PLAIN_INTERVAL_MS = 2000;
const BAR_WIDTH = 24;

/**
 * Progress on stderr: redrawn in place on a terminal, a plain line every 2 s otherwise,
 * nothing when disabled. Stdout stays clean for the data.
 */
export class Progress {
  readonly #stream: OutputStream;
  readonly #options: ProgressOptions;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #done = 0;
  #lastDraw = 0;
  #drewPlain = false;
  #drewTty = false;

  constructor(stream: OutputStream, options: ProgressOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#tty = stream.isTTY === true;
    this.#lastDraw = this.#started;
  }

  /** Counts `amount` more units done, and redraws when it is time. */
  advance(amount: number): void {
    this.#done += amount;
    if (!this.#options.enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < (this.#tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
    this.#lastDraw = now;
    this.#draw(now);
  }

  /** How many units were counted. */
  get done(): number {
    return this.#done;
  }

  /** Draws the last state once more and leaves the line, so what follows starts clean. */
  finish(): void {
    if (!this.#options.enabled) return;
    if (this.#tty) {
      if (!this.#drewTty) return;
      this.#draw(Date.now());
      this.#stream.write('\n');
    } else if (this.#drewPlain) {
      this.#draw(Date.now());
    }
  }

  /** Wipes the in-place line without a final state, for when the operation failed. */
  abandon(): void {
    if (this.#options.enabled && this.#tty && this.#drewTty) this.#stream.write('\r\x1b[K');
  }

  #draw(now: number): void {
    const line = this.line(now);
    if (this.#tty) {
      this.#drewTty = true;
      this.#stream.write(`\r${line}\x1b[K`);
    } else {
      this.#drewPlain = true;
      this.#stream.write(`${line}\n`);
    }
  }

  /** The progress line: label, amount / total, percent, bar (terminal only) and rate. */
  line(now = Date.now()): string {
    const { unit, total, label } = this.#options;
    const show = (n: number) => (unit === 'bytes' ? formatBytes(n) : n.toLocaleString('en-US'));
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const rate = `${show(Math.round(this.#done / seconds))}${unit === 'bytes' ? '/s' : ' rows/s'}`;
    const parts = [label];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(this.#done / total, 1);
      const percent = `${(fraction * 100).toFixed(1).padStart(5)}%`;
      if (this.#tty) {
        const filled = Math.round(fraction * BAR_WIDTH);
        parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
      }
      parts.push(percent, `${show(this.#done)} / ${show(total)}`);
    } else {
      parts.push(show(this.#done));
    }
    parts.push(rate);
    return parts.join('  ');
  }
}
