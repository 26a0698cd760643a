import type { OutputStream } from './io.js';

const TTY_INTERVAL_MS = 250;
/** Logs (CI, files) get a plain line this often at most, as with Progress. */
const PLAIN_INTERVAL_MS = 2000;

/**
 * A free-form progress line on stderr, for runs whose progress is more than one count
 * (`simulate sigfox`): redrawn in place on a terminal, a plain line every 2 s otherwise,
 * nothing when disabled.
 */
export class StatusLine {
  readonly #stream: OutputStream;
  readonly #enabled: boolean;
  readonly #tty: boolean;
  #lastDraw = Date.now();
  #drewTty = false;

  constructor(stream: OutputStream, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled;
    this.#tty = stream.isTTY === true;
  }

  /** Shows `line()` when it is time to redraw; `line` is only called then. */
  update(line: () => string): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < (this.#tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
    this.#lastDraw = now;
    if (this.#tty) {
      this.#drewTty = true;
      this.#stream.write(`\r${line()}\x1b[K`);
    } else {
      this.#stream.write(`${line()}\n`);
    }
  }

  /** Wipes the in-place line, so that what follows starts clean. */
  finish(): void {
    if (this.#enabled && this.#tty && this.#drewTty) this.#stream.write('\r\x1b[K');
  }
}
