/**
 * Aedes as a broker under test, in a process of its own (started by `brokers.ts`), so that
 * it gets its own event loop and its resident memory can be read apart from the
 * benchmark's. Argument: the port. In-memory persistence and emitter, Aedes's defaults.
 * Writes `listening` on stdout once the port accepts connections; SIGTERM stops it.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write(`aedes-broker: expected a port as the argument, got '${process.argv[2] ?? ''}'\n`);
  process.exit(2);
}

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1', function listening() {
  process.stdout.write('listening\n');
});

process.once('SIGTERM', function stop() {
  server.close();
  broker.close(() => process.exit(0));
});
