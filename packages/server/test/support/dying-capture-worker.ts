// The SQLite capture thread, except that it dies on a batch with a frame of device `die`:
// for tests of what the writer does when its thread is lost mid-batch.
import { parentPort } from 'node:worker_threads';
import type { WriterRequest } from '../../src/modules/capture/capture-writer.js';
import { unpackFrames } from '../../src/modules/capture/frame-packing.js';
import '../../src/modules/capture/sqlite-capture-worker.js';

parentPort?.on('message', (request: WriterRequest) => {
  if (unpackFrames(request.batch).some((frame) => frame.deviceId === 'die')) process.exit(3);
});
