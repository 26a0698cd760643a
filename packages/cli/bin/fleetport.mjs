#!/usr/bin/env node
// The installed `fleetport` command: runs the built bundle (npm run build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/fleetport.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('fleetport: not built yet; run `npm run build` in the Fleetport folder\n');
  process.exit(70);
}
// The bundle only runs itself when it is node's entry script; from here, call it.
const { run } = await import(bundle);
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
});
