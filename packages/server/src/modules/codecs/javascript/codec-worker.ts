/**
 * The worker thread behind `CodecPool`: one QuickJS engine, a cache of compiled codecs by
 * (id, version), and a loop that runs each batch in order and posts its results at once.
 * It is also an esbuild entry point of its own (see scripts/build.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CallOp, failureJson, type JavaScriptCodec } from './javascript-codec.js';
import { JavaScriptSandbox } from './javascript-sandbox.js';
import {
  type BatchMessage,
  PROGRESS_BATCHES_DONE,
  PROGRESS_CALL,
  PROGRESS_STARTED,
  progressStamp,
  type ResultsMessage,
  type WorkerSetup,
} from './pool-protocol.js';
import { sandboxError } from './sandbox-limits.js';

if (parentPort === null) throw new Error('codec-worker.ts runs only as a worker thread');
const port = parentPort;
const setup = workerData as WorkerSetup;
const progress = new Int32Array(setup.progress);

// Listen at once so no batch posted while the engine loads is missed; run them in order.
const inbox: BatchMessage[] = [];
let wake: (() => void) | undefined;
port.on('message', (message: BatchMessage) => {
  inbox.push(message);
  wake?.();
});

const sandbox = await JavaScriptSandbox.create(setup.limits);
/** Compiled codecs, least recently used first. */
const codecs = new Map<string, JavaScriptCodec>();
port.postMessage({ type: 'ready' });

function codecFor(key: string, sources: Readonly<Record<string, string>>): JavaScriptCodec | undefined {
  const cached = codecs.get(key);
  if (cached !== undefined) {
    codecs.delete(key);
    codecs.set(key, cached);
    return cached;
  }
  const source = sources[key];
  if (source === undefined) return undefined;
  const codec = sandbox.compile(source);
  codecs.set(key, codec);
  for (const [oldest, old] of codecs) {
    if (codecs.size <= setup.maxCachedCodecs) break;
    codecs.delete(oldest);
    old.dispose();
  }
  return codec;
}

function runCall(
  id: number,
  key: string,
  op: CallOp,
  input: string,
  sources: Readonly<Record<string, string>>,
): string {
  Atomics.store(progress, PROGRESS_STARTED, progressStamp(Date.now()));
  Atomics.store(progress, PROGRESS_CALL, id);
  const codec = codecFor(key, sources);
  if (codec === undefined) {
    return failureJson(
      op,
      sandboxError('codec_crashed', `the worker was not given the source of codec ${key}`),
    );
  }
  return codec.callJson(op, input);
}

for (;;) {
  const batch = inbox.shift();
  if (batch === undefined) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
    continue;
  }
  const outputs: string[] = [];
  for (let index = 0; index < batch.ids.length; index += 1) {
    // After an engine crash the replacement may still be loading: wait rather than fail innocent codecs.
    if (sandbox.engine() === undefined) await sandbox.ready();
    outputs.push(
      runCall(
        batch.ids[index] ?? 0,
        batch.codecs[index] ?? '',
        batch.ops[index] ?? 'decodeUplink',
        batch.inputs[index] ?? '{}',
        batch.sources,
      ),
    );
  }
  Atomics.store(progress, PROGRESS_CALL, 0);
  // Tells the watchdog the worker is idle, even if the pool's thread is too busy to read the results yet.
  Atomics.store(
    progress,
    PROGRESS_BATCHES_DONE,
    (Atomics.load(progress, PROGRESS_BATCHES_DONE) + 1) % 2 ** 31,
  );
  const message: ResultsMessage = { type: 'results', ids: batch.ids, outputs };
  port.postMessage(message);
}
