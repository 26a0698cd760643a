// The SQLite capture thread, except that it dies on a batch with a frame of device `die`:
// for tests of what the writer does when its thread is lost mid-batch.
import { parentPort } from 'node:worker_threads';
import '../../src/modules/capture/sqlite-capture-worker.js';

parentPort?.on('message', (request: { frames: { deviceId: string }[] }) => {
  if (request.frames.some((frame) => frame.deviceId === 'die')) process.exit(3);
});
