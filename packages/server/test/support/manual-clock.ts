import type { Clock } from '../../src/kernel/clock.js';

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  set(at: number): void {
    this.#now = at;
  }
}
