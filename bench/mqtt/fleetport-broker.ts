/**
 * Fleetport's broker alone (in-memory persistence, open hooks: anonymous clients may do
 * anything) as a broker under test, in a process of its own (started by `brokers.ts`),
 * like Aedes. Argument: the port. Writes `listening` on stdout once listening; SIGTERM
 * stops it.
 *
 * Exit code 3 with one line on stderr means "not available": the module is missing or its
 * API is not the one used below. The benchmark then reports Fleetport as not available
 * and goes on with the peers.
 *
 * The API used (packages/server/src/mqtt/index.ts as of this writing):
 *   const broker = new Broker({ persistence: new MemoryPersistence(), hooks: openHooks(), limits })
 *   await broker.listen({ tcp: { port, host: '127.0.0.1' } }); await broker.close()
 * (`anonymousHooks()` is taken instead of `openHooks()` if the module exports it.) The
 * import is dynamic and its shape checked at run time so that the benchmark still runs,
 * reporting "not available", while the broker is missing or mid-change; LEAD: once it is
 * settled, a static import is simpler.
 *
 * The process starts as `fleetport serve` does: V8's young generation is limited first,
 * before the broker's modules load (`limitYoungGeneration`, see there).
 */
import { limitYoungGeneration } from '../../packages/server/src/kernel/young-generation.js';

limitYoungGeneration();

/** The slice of the broker's API this script uses. */
interface BrokerApi {
  listen(options: { tcp: { port: number; host: string } }): Promise<unknown>;
  close(): Promise<unknown>;
}

interface ModuleApi {
  Broker: new (options: {
    persistence: unknown;
    hooks: unknown;
    limits: Record<string, number>;
  }) => BrokerApi;
  MemoryPersistence: new () => unknown;
  openHooks?: () => unknown;
  anonymousHooks?: () => unknown;
}

const MODULE = '../../packages/server/src/mqtt/index.js';
const NOT_AVAILABLE = 3;

/**
 * Limits lifted to match how the peers run: Mosquitto is started with
 * `max_queued_messages 0` (no queue limit) and neither peer limits the connection rate,
 * which the 10k idle connections would otherwise run into. Everything else stays default.
 */
const LIMITS = { maxQueuedMessages: 10_000_000, connectionsPerSecond: 1_000_000 };

function notAvailable(reason: string): never {
  process.stderr.write(`fleetport broker not available: ${reason}\n`);
  process.exit(NOT_AVAILABLE);
}

function isModuleApi(value: unknown): value is ModuleApi {
  if (value === null || typeof value !== 'object') return false;
  const exports = value as Record<string, unknown>;
  return (
    typeof exports.Broker === 'function' &&
    typeof exports.MemoryPersistence === 'function' &&
    (typeof exports.openHooks === 'function' || typeof exports.anonymousHooks === 'function')
  );
}

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write(`fleetport-broker: expected a port as the argument, got '${process.argv[2] ?? ''}'\n`);
  process.exit(2);
}

let loaded: unknown;
try {
  loaded = await import(MODULE);
} catch (error) {
  notAvailable(`cannot import ${MODULE}: ${error instanceof Error ? error.message : String(error)}`);
}
if (!isModuleApi(loaded)) {
  const names = loaded !== null && typeof loaded === 'object' ? Object.keys(loaded).join(', ') : '';
  notAvailable(`${MODULE} does not export Broker, MemoryPersistence and openHooks (it exports: ${names})`);
}
const hooks = loaded.anonymousHooks ?? loaded.openHooks;
if (hooks === undefined) notAvailable(`${MODULE} exports no openHooks`);

const broker = new loaded.Broker({
  persistence: new loaded.MemoryPersistence(),
  hooks: hooks(),
  limits: LIMITS,
});
try {
  await broker.listen({ tcp: { port, host: '127.0.0.1' } });
} catch (error) {
  notAvailable(`listen failed: ${error instanceof Error ? error.message : String(error)}`);
}
process.stdout.write('listening\n');

process.once('SIGTERM', function stop() {
  broker.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
