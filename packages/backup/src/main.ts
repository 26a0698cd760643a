import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ConfigError, parseConfig, usage } from './backup-config.js';
import { createBackupServer, listen } from './backup-server.js';
import { jsonLogger } from './logger.js';
import { SegmentLog } from './segment-log.js';

/** Exit codes, as the `fleetport` command uses them. */
const EXIT = { ok: 0, usage: 2, startup: 8 } as const;
const RETENTION_EVERY_MS = 10 * 60_000;

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * `fleetport-backup`: reads its configuration, opens the log (cutting a torn record off),
 * listens, and runs until SIGTERM or SIGINT, then answers what is in flight and stops.
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Io = process,
  stop: AbortSignal = signalled(),
): Promise<number> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`fleetport-backup: ${error.problems.join('\nfleetport-backup: ')}\n`);
    io.stderr.write('fleetport-backup --help lists every setting\n');
    return EXIT.usage;
  }
  if (config === 'help') {
    io.stdout.write(usage());
    return EXIT.ok;
  }
  const logger = jsonLogger(io.stdout, { quiet: config.quiet });
  let log: SegmentLog;
  try {
    log = await SegmentLog.open({
      dir: config.dataDir,
      segmentBytes: config.segmentBytes,
      segmentMs: config.segmentMs,
      retentionMs: config.retentionMs,
      maxBytes: config.maxBytes,
      now: Date.now,
      logger,
    });
  } catch (error) {
    io.stderr.write(
      `fleetport-backup: cannot use the data dir ${config.dataDir} (--data-dir): ${(error as Error).message}\n`,
    );
    return EXIT.startup;
  }
  const server = createBackupServer({
    log,
    readKey: config.readKey,
    maxBodyBytes: config.maxBodyBytes,
    logger,
    now: Date.now,
  });
  let port: number;
  try {
    port = await listen(server, config.host, config.port);
  } catch (error) {
    await log.close();
    io.stderr.write(
      `fleetport-backup: cannot listen on ${config.host}:${config.port} (--host, --port): ${(error as Error).message}\n`,
    );
    return EXIT.startup;
  }
  const retention = setInterval(() => {
    log
      .enforceRetention()
      .catch((error: unknown) => logger.error('retention failed', { error: (error as Error).message }));
  }, RETENTION_EVERY_MS);
  retention.unref();
  logger.warn('fleetport-backup listening', {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    dataDir: config.dataDir,
    lastRecord: log.stats().lastRecord,
  });
  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
  clearInterval(retention);
  // Stop accepting, answer what is in flight (each after its sync), then close the segment.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await log.close();
  logger.warn('fleetport-backup stopped', { lastRecord: log.stats().lastRecord });
  return EXIT.ok;
}

/** Aborts on the first SIGTERM or SIGINT. */
function signalled(): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGTERM', abort);
  process.once('SIGINT', abort);
  return controller.signal;
}

// Run when this file is node's entry script (the built program run directly on a backup host).
function isEntry(): boolean {
  const entry = process.argv[1];
  try {
    return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}
if (isEntry()) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
