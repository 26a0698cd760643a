import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The URL of a worker entry module. Run from the TypeScript sources (tests, `npm run dev`)
 * it is `name.ts` next to `importerUrl`; in the built bundle scripts/build.mjs emits it as
 * `name.js` at the top of the bundle, one folder above the chunk that imports it.
 */
export function workerEntry(importerUrl: string, name: string): URL {
  if (importerUrl.endsWith('.ts')) return new URL(`./${name}.ts`, importerUrl);
  for (const candidate of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(candidate, importerUrl);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`the worker entry ${name}.js is not next to ${importerUrl}; rebuild with npm run build`);
}

/**
 * Starts a worker thread on an ES module. A TypeScript entry is loaded through tsx's
 * loader, registered inside the worker (a worker does not inherit the parent's loader
 * hooks, and `--import` is not honoured in a worker's execArgv).
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
