import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import { dialectCases, type TestDatabase } from '../../server/test/support/databases.js';
import {
  startTestServer,
  type TestResponse,
  type TestServer,
} from '../../server/test/support/test-server.js';

// Functions passed to page.evaluate run in the page, where this exists.
declare const axe: {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{
    passes: unknown[];
    violations: Array<{ id: string; impact?: string | null; nodes: Array<{ target: unknown[] }> }>;
  }>;
};
declare const document: unknown;

const CHROMIUM = process.env.FLEETPORT_CHROMIUM ?? '/usr/bin/chromium';
const CONSOLE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * The console built into a temporary folder, served by a real server on a fresh SQLite
 * database, and Debian's Chromium driven by playwright-core.
 */
export interface ConsoleHarness {
  readonly outDir: string;
  readonly server: TestServer;
  readonly browser: Browser;
  /** An authenticated API call that must succeed (a test's setup). */
  ok(method: string, route: string, json?: unknown): Promise<TestResponse>;
  /** A fresh tab at `route`, with every console error and uncaught exception collected. */
  open(
    route?: string,
    options?: BrowserContextOptions,
  ): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  close(): Promise<void>;
}

export async function startConsole(): Promise<ConsoleHarness> {
  // Never an empty pass: without the browser the suite fails, saying what to install.
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, as .ci/run does) or set FLEETPORT_CHROMIUM`,
    );
  const outDir = mkdtempSync(path.join(tmpdir(), 'fleetport-console-build-'));
  await build({ root: CONSOLE_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const sqlite = dialectCases()[0];
  if (!sqlite) throw new Error('no sqlite case');
  const database: TestDatabase = await sqlite.create();
  const server = await startTestServer(database, { 'console-dir': outDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    outDir,
    server,
    browser,
    async ok(method, route, json) {
      const response = await server.request(method, route, json === undefined ? {} : { json });
      expect(response.status, `${method} ${route}: ${response.text}`).toBeLessThan(300);
      return response;
    },
    async open(route = '/', options = {}) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}${route}`);
      return { page, context, errors };
    },
    async close() {
      await browser.close();
      await server.close();
      await database.drop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** What axe-core finds serious or critical on the page as it is now (the context must bypass CSP). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await axe.run(document, { resultTypes: ['violations'] });
    // Rules that passed are listed too: none would mean axe checked nothing.
    if (result.passes.length === 0) return [{ id: 'axe-checked-nothing', impact: 'critical', nodes: [] }];
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? '',
      nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.join(', ')}`);
}
