#!/usr/bin/env node
// The installed `fleetport-backup` command: runs the built program (npm run build), one
// file with no dependencies that can also be copied to another host and run with `node`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('../dist/fleetport-backup.mjs', import.meta.url));
if (!existsSync(program)) {
  process.stderr.write('fleetport-backup: not built yet; run `npm run build` in the Fleetport folder\n');
  process.exit(70);
}
const { main } = await import(program);
process.exitCode = await main(process.argv.slice(2), process.env);
