// Builds fleetport-backup into one file with no imports but Node's own, to copy to a backup
// host as is. Used by scripts/build.mjs and by the backup's process test.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Writes `<outdir>/fleetport-backup.mjs`; returns its path. */
export async function buildBackup(outdir = path.join(repoRoot, 'packages/backup/dist')) {
  const outfile = path.join(outdir, 'fleetport-backup.mjs');
  await build({
    entryPoints: [path.join(repoRoot, 'packages/backup/src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  return outfile;
}
