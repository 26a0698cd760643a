import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { describe, expect, it } from 'vitest';

/*
 * fleetport-backup is deployed on its own, on another host, to survive what takes the
 * server down: it imports nothing of the server (nor of any other package of ours) and no
 * npm package, only Node's built-ins and its own files. Read from every import with
 * TypeScript's parser, like packages/cli/test/imports.test.ts.
 */

const backupSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const repoRoot = path.resolve(backupSrc, '../../..');

interface Import {
  readonly from: string;
  readonly line: number;
  readonly specifier: string;
}

function readImports(): { files: string[]; imports: Import[] } {
  const api = new API({ cwd: repoRoot });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [path.join(repoRoot, 'tsconfig.json')] });
    const program = snapshot.getProjects()[0]?.program;
    if (!program) throw new Error('the TypeScript API opened no project for tsconfig.json');
    const files: string[] = [];
    const imports: Import[] = [];
    for (const fileName of program.getSourceFileNames()) {
      const from = path.relative(backupSrc, fileName).split(path.sep).join('/');
      if (from.startsWith('..') || !from.endsWith('.ts')) continue;
      const source = program.getSourceFile(fileName);
      if (!source) throw new Error(`the TypeScript API has no source for ${from}`);
      files.push(from);
      for (const node of [...source.imports, ...source.moduleAugmentations]) {
        if (!('text' in node) || typeof node.text !== 'string') continue;
        imports.push({
          from,
          line: source.getLineAndCharacterOfPosition(node.end).line + 1,
          specifier: node.text,
        });
      }
    }
    return { files, imports };
  } finally {
    api.close();
  }
}

/** What is wrong with one import, or undefined. */
function problemOf({ from, line, specifier }: Import): string | undefined {
  const where = `${from}:${line} imports '${specifier}'`;
  if (specifier.startsWith('.')) {
    const target = path.relative(backupSrc, path.resolve(backupSrc, path.dirname(from), specifier));
    return target.startsWith('..')
      ? `${where}: the backup imports nothing outside packages/backup/src`
      : undefined;
  }
  if (specifier.startsWith('node:')) return undefined;
  return `${where}: the backup depends on nothing but Node's built-ins (write them as node:…)`;
}

describe('fleetport-backup stands alone', () => {
  const { files, imports } = readImports();

  it('reads the backup sources (a guard against checking nothing)', () => {
    expect(files).toContain('main.ts');
    expect(files).toContain('segment-log.ts');
    expect(imports.some((entry) => entry.specifier === 'node:http')).toBe(true);
  });

  it("imports only Node's built-ins and its own files", () => {
    expect(imports.flatMap((entry) => problemOf(entry) ?? [])).toEqual([]);
  });

  it('declares no npm dependency', () => {
    const manifest = JSON.parse(readFileSync(path.join(backupSrc, '../package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.bin).toEqual({ 'fleetport-backup': './bin/fleetport-backup.mjs' });
  });

  it('recognises the imports it forbids', () => {
    expect(problemOf({ from: 'main.ts', line: 1, specifier: '../../server/src/kernel/ids.js' })).toMatch(
      /nothing outside packages\/backup\/src/,
    );
    expect(problemOf({ from: 'main.ts', line: 1, specifier: '@fleetport/server' })).toMatch(
      /nothing but Node/,
    );
    expect(problemOf({ from: 'main.ts', line: 1, specifier: 'fs' })).toMatch(/node:/);
    expect(problemOf({ from: 'main.ts', line: 1, specifier: './segment-log.js' })).toBe(undefined);
  });
});
