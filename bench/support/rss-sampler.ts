/**
 * Samples the process's resident set size while a run goes on and keeps the peak.
 * `process.resourceUsage().maxRSS` only ever grows over the process's life, so it
 * cannot tell one run (or one database) from the next; sampling can.
 */
export class RssSampler {
  readonly #timer: NodeJS.Timeout;
  #peak = process.memoryUsage.rss();

  constructor(intervalMs = 50) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes one sample now; call it at the end of phases that may not span a tick. */
  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling; returns the peak in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}

/** The process's RSS peak since it started, in bytes (Linux reports kilobytes). */
export function processRssPeakBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
