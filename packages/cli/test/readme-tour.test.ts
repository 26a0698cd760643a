import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/support/ports.js';

// The README's tour, run as a reader would: the server `npm start` starts, then every sh
// block of "A short tour" in one bash session, in order. A line's `# → …` is output the
// block must print (`…` stands for anything; runs of blanks compare equal).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The sh blocks between `## A short tour` and the next section. */
function tourBlocks(): string[] {
  const start = readme.indexOf('\n## A short tour\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'README.md has a "## A short tour" section').toBeGreaterThan(0);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** The `# → …` promises of a block. */
function promisedOutputs(block: string): string[] {
  return [...block.matchAll(/# → (.*)$/gm)].map((match) => (match[1] ?? '').trim());
}

const collapse = (text: string) => text.replace(/\s+/g, ' ');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function promiseMatcher(promise: string): RegExp {
  return new RegExp(
    collapse(promise)
      .split('…')
      .map((piece) => escapeRegExp(piece.trim()))
      .join('.*?'),
    's',
  );
}

/** Replaces a line that must be in the README, failing when it is not there. */
function substitute(block: string, pattern: RegExp, replacement: string, hits: Set<string>): string {
  if (!pattern.test(block)) return block;
  hits.add(pattern.source);
  return block.replace(pattern, replacement);
}

interface Started {
  readonly process: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function start(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  { detached = false } = {},
): Started {
  // Detached: its own process group, so that what a failed block left running can be ended.
  const child = spawn(command, args, { cwd: repoRoot, env, detached, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function until<T>(
  what: string,
  probe: () => T | undefined,
  ended: () => string | undefined,
): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    const reason = ended();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the README tour', { timeout: 300_000 }, () => {
  let scratch: string;
  let server: Started | undefined;
  let shell: Started | undefined;
  let httpPort: number;
  let mqttPort: number;
  let key: string;
  // Only what a fresh terminal has: no FLEETPORT_* variable of the test run leaks in.
  const baseEnv = (home: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '',
    HOME: home,
    LANG: 'C.UTF-8',
  });

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'fleetport-tour-'));
    // `npm start` = the build (its prestart), then the installed command's `serve`.
    await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot });
    httpPort = await freePort();
    mqttPort = await freePort();
    let serverExit: number | null | undefined;
    server = start(process.execPath, ['packages/cli/bin/fleetport.mjs', 'serve'], {
      ...baseEnv(scratch),
      FLEETPORT_DATA_DIR: path.join(scratch, 'data'),
      FLEETPORT_HTTP_PORT: String(httpPort),
      FLEETPORT_MQTT_PORT: String(mqttPort),
      FLEETPORT_LOG_LEVEL: 'warn',
    });
    void server.exited.then((code) => {
      serverExit = code;
    });
    const running = server;
    key = await until(
      'the first start prints the bootstrap key',
      () => /FLEETPORT_API_KEY=(fpk_\S+)/.exec(running.output())?.[1],
      () => (serverExit === undefined ? undefined : `serve exited ${serverExit}:\n${running.output()}`),
    );
  });

  afterAll(async () => {
    const group = shell?.process.pid;
    if (group !== undefined) {
      try {
        process.kill(-group, 'SIGTERM');
      } catch {
        // the tour ended and took its background commands with it
      }
    }
    if (server) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs every block as written, each exiting 0 and printing what it promises', async () => {
    const hits = new Set<string>();
    const blocks = tourBlocks().map((block) => {
      // Where the reader's server differs from the test's: its URL, key and MQTT port.
      let runnable = substitute(
        block,
        /^export FLEETPORT_URL=http:\/\/127\.0\.0\.1:8080/m,
        `export FLEETPORT_URL=http://127.0.0.1:${httpPort}`,
        hits,
      );
      runnable = substitute(
        runnable,
        /^export FLEETPORT_API_KEY=fpk_…/m,
        `export FLEETPORT_API_KEY=${key}`,
        hits,
      );
      runnable = substitute(runnable, / -p 1883 /g, ` -p ${mqttPort} `, hits);
      return { block, runnable };
    });
    expect(hits.size, 'the tour sets FLEETPORT_URL and the key, and uses MQTT on 1883').toBe(3);
    expect(blocks.length).toBeGreaterThanOrEqual(8);

    // One shell for the whole tour, as in a terminal: variables carry from block to block.
    const tour = start('bash', ['--norc', '--noprofile'], baseEnv(scratch), { detached: true });
    shell = tour;
    let shellExit: number | null | undefined;
    void tour.exited.then((code) => {
      shellExit = code;
    });
    tour.process.stdin?.write('set -eo pipefail\n');
    for (const [index, { block, runnable }] of blocks.entries()) {
      const file = path.join(scratch, `block-${index}.sh`);
      const out = path.join(scratch, `block-${index}.out`);
      writeFileSync(file, runnable);
      const marker = `__block_${index}_done__`;
      tour.process.stdin?.write(`source ${file} > ${out} 2>&1 < /dev/null; echo ${marker}\n`);
      await until(
        `block ${index + 1} runs to its end`,
        () => (tour.output().includes(marker) ? true : undefined),
        () =>
          shellExit === undefined
            ? undefined
            : `a command failed (the shell exited ${shellExit}):\n${block}\n--- its output:\n${readFileSync(out, 'utf8')}\n--- shell:\n${tour.output()}`,
      );
      const printed = readFileSync(out, 'utf8');
      for (const promise of promisedOutputs(block)) {
        expect(collapse(printed), `block ${index + 1} prints ${promise}\n${block}`).toMatch(
          promiseMatcher(promise),
        );
      }
    }
    tour.process.stdin?.end('exit 0\n');
    expect(await tour.exited).toBe(0);
  });
});
