import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { describe, expect, it } from 'vitest';

/*
 * The CLI is a client of the HTTP API: its shapes come from @fleetport/sdk (generated from
 * the OpenAPI document), never from the server's source. Only the commands that run the
 * server itself (`serve`, `migrate`, `admin`) import @fleetport/server. Read from every
 * import with TypeScript's parser, like packages/server/src/rings.test.ts.
 */

const cliSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const repoRoot = path.resolve(cliSrc, '../../..');

/** The files that start the server in process, and so may import it. */
const RUNS_THE_SERVER = new Set(['commands/server-commands.ts']);

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
      const from = path.relative(cliSrc, fileName).split(path.sep).join('/');
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
    const target = path.relative(cliSrc, path.resolve(cliSrc, path.dirname(from), specifier));
    if (target.startsWith('..'))
      return `${where}: the CLI imports nothing outside packages/cli/src (the API's types: @fleetport/sdk)`;
    return undefined;
  }
  if (
    (specifier === '@fleetport/server' || specifier.startsWith('@fleetport/server/')) &&
    !RUNS_THE_SERVER.has(from)
  )
    return `${where}: only the commands that run the server import it; the API's types come from @fleetport/sdk`;
  return undefined;
}

describe('the CLI as a client of the API', () => {
  const { files, imports } = readImports();

  it('reads the CLI sources (a guard against checking nothing)', () => {
    expect(files).toContain('client.ts');
    expect(files).toContain('commands/server-commands.ts');
    expect(imports.some((entry) => entry.specifier === '@fleetport/sdk')).toBe(true);
  });

  it("imports the API's shapes from @fleetport/sdk, never from the server's source", () => {
    const problems = imports.flatMap((entry) => problemOf(entry) ?? []);
    expect(problems).toEqual([]);
  });

  it('recognises the imports it forbids', () => {
    expect(
      problemOf({
        from: 'api-types.ts',
        line: 1,
        specifier: '../../server/src/modules/devices/device-schemas.js',
      }),
    ).toMatch(/nothing outside packages\/cli\/src/);
    expect(
      problemOf({ from: 'commands/device-commands.ts', line: 1, specifier: '@fleetport/server' }),
    ).toMatch(/only the commands that run the server/);
    expect(
      problemOf({ from: 'commands/server-commands.ts', line: 1, specifier: '@fleetport/server/config' }),
    ).toBe(undefined);
    expect(problemOf({ from: 'commands/device-commands.ts', line: 1, specifier: '../client.js' })).toBe(
      undefined,
    );
  });
});
