import { run } from '../../src/main.js';
import type { StoppableIo } from '../../src/stop-signal.js';
import { Capture, type CliResult, tempDir } from './cli-harness.js';

/** A `fleetport` run that goes on until stopped (`messages tail`), in process. */
export interface RunningCli {
  readonly stdout: Capture;
  readonly stderr: Capture;
  /** Resolves once stdout (or stderr) matches, or throws after `timeoutMs` showing what was printed. */
  waitFor(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<void>;
  /** Stops the run as Ctrl-C would, and resolves to how it ended. */
  stop(): Promise<CliResult>;
  /** How the run ended, when it ends by itself. */
  readonly done: Promise<CliResult>;
}

/** Starts `fleetport args` with `env` as its whole environment and a stop signal of its own. */
export function startCli(args: readonly string[], env: Readonly<Record<string, string>>): RunningCli {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  // A config home of its own, so a developer's real profiles never leak into a test.
  const io: StoppableIo = {
    stdout,
    stderr,
    env: { FLEETPORT_CONFIG_HOME: tempDir(), ...env },
    signal: controller.signal,
  };
  const done = run(args, io).then((code) => ({ code, stdout: stdout.text, stderr: stderr.text }));
  return {
    stdout,
    stderr,
    done,
    async waitFor(pattern, { stream = 'stdout', timeoutMs = 15_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      const target = stream === 'stdout' ? stdout : stderr;
      let ended = false;
      void done.then(() => {
        ended = true;
      });
      while (!pattern.test(target.text)) {
        if (ended || Date.now() > deadline) {
          throw new Error(
            `${ended ? 'the run ended' : `${timeoutMs} ms passed`} before ${stream} matched ${pattern}\n` +
              `stdout: ${stdout.text}\nstderr: ${stderr.text}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      controller.abort();
      return done;
    },
  };
}
