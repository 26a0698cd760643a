import { cpus } from 'node:os';

function busyAndTotal(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const used = times.user + times.nice + times.sys + times.irq;
    busy += used;
    total += used + times.idle;
  }
  return { busy, total };
}

/**
 * The whole machine's CPU use over a window, in % of one core (200% is a busy 2-core
 * machine): with the server's and the generator's own figures it shows how much other
 * processes took, which on a shared machine decides whether a run can be trusted.
 */
export class MachineCpu {
  readonly #start = busyAndTotal();

  /** CPU used by every process since construction, in % of one core. */
  stop(): number {
    const end = busyAndTotal();
    const total = end.total - this.#start.total;
    return total > 0 ? ((end.busy - this.#start.busy) / total) * cpus().length * 100 : 0;
  }
}
