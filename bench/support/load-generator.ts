import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { oweCleanup } from './cleanup.js';
import type { ChildMessage, LoadReport, LoadSpec, StartMessage } from './load-workloads.js';

const CHILD = fileURLToPath(new URL('./load-generator-child.ts', import.meta.url));

/** Called when the generator's warm-up ends and its measured window begins. */
export type OnMeasuring = () => void;

/**
 * Runs one load (warm-up, then the measured window) from a child process, so that the
 * generator never competes with the server for its event loop (on a 2-core machine it
 * still competes for the CPU: the report gives the generator's CPU use). Resolves with the
 * generator's report; rejects if the child fails or exits without one.
 */
export function runLoad(spec: LoadSpec, onMeasuring: OnMeasuring): Promise<LoadReport> {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const settled = oweCleanup(async function killGenerator() {
    child.kill('SIGKILL');
  });
  return new Promise<LoadReport>((resolve, reject) => {
    let report: LoadReport | undefined;
    let failure: string | undefined;
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'measuring') onMeasuring();
      else if (message.type === 'report') report = message.report;
      else failure = message.message;
    });
    child.once('error', (error) => {
      failure ??= error.message;
    });
    child.once('exit', (code, signal) => {
      settled();
      if (report) resolve(report);
      else reject(new Error(`load generator failed (exit ${code ?? signal}): ${failure ?? 'no report'}`));
    });
    const start: StartMessage = { type: 'start', spec };
    child.send(start);
  });
}
