// Builds the `fleetport` command into packages/cli/dist: one ESM bundle of our own code,
// with every npm dependency left as an import.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const dependencies = ['packages/server/package.json', 'packages/cli/package.json'].flatMap((file) =>
  Object.keys(JSON.parse(readFileSync(file, 'utf8')).dependencies ?? {}),
);

await build({
  entryPoints: ['packages/cli/src/main.ts'],
  outfile: 'packages/cli/dist/fleetport.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: dependencies,
  logLevel: 'warning',
});
