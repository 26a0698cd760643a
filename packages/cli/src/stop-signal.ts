import type { CliIo } from './io.js';

/**
 * A CliIo that may carry the signal ending a command that runs until stopped
 * (`messages tail`). Tests pass one; the real entry leaves it out and the command stops on
 * SIGINT or SIGTERM instead.
 */
export interface StoppableIo extends CliIo {
  readonly signal?: AbortSignal;
}

/** The stop signal of a run, and how to let go of the process signal handlers it installed. */
export interface StopSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * The io's own signal when it has one; otherwise one that SIGINT or SIGTERM aborts. The
 * handlers live only while the command runs: after `dispose`, the signals act as usual.
 */
export function stopSignal(io: CliIo): StopSignal {
  if ('signal' in io && io.signal instanceof AbortSignal) {
    return { signal: io.signal, dispose: () => {} };
  }
  const controller = new AbortController();
  const stop = (name: NodeJS.Signals) => controller.abort(name);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
