// Builds the `fleetport` command into packages/cli/dist: ESM bundles of our own code,
// with every npm dependency left as an import.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { buildBackup } from './build-backup.mjs';

// The SDK's TypeScript is bundled like the CLI's own; its npm dependencies stay imports.
const dependencies = [
  'packages/server/package.json',
  'packages/cli/package.json',
  'packages/sdk/package.json',
].flatMap((file) => Object.keys(JSON.parse(readFileSync(file, 'utf8')).dependencies ?? {}));

await build({
  entryPoints: {
    fleetport: 'packages/cli/src/main.ts',
    // The codec pool's worker thread starts from this file; CodecPool finds it next to the
    // chunks (packages/server/src/modules/codecs/javascript/codec-pool.ts, locateWorkerEntry).
    'codec-worker': 'packages/server/src/modules/codecs/javascript/codec-worker.ts',
    // SQLite's capture thread (capture-writer.ts finds it through kernel/workers.ts).
    'sqlite-capture-worker': 'packages/server/src/modules/capture/sqlite-capture-worker.ts',
    'sqlite-checkpointer': 'packages/server/src/store/dialects/sqlite/sqlite-checkpointer.ts',
  },
  // Tests build elsewhere (inside the repository, so that node_modules resolve).
  outdir: process.env.FLEETPORT_BUILD_OUTDIR ?? 'packages/cli/dist',
  bundle: true,
  // The server lives in its own chunk, loaded only by `serve` and `migrate`.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: dependencies,
  logLevel: 'warning',
});

// fleetport-backup, a program of its own (scripts/build-backup.mjs).
// A build elsewhere for a test puts it beside the CLI's bundle.
await buildBackup(
  process.env.FLEETPORT_BACKUP_OUTDIR ??
    (process.env.FLEETPORT_BUILD_OUTDIR === undefined
      ? undefined
      : `${process.env.FLEETPORT_BUILD_OUTDIR}/backup`),
);

// The web console the server serves at / (packages/console/dist, see console-assets.ts).
// A bundle built elsewhere for a test needs no console.
if (process.env.FLEETPORT_BUILD_OUTDIR === undefined) {
  const { build: buildConsole } = await import('vite');
  await buildConsole({ root: 'packages/console', logLevel: 'warn' });
}
