import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isExportDeclaration,
  isImportDeclaration,
  isImportEqualsDeclaration,
  isImportTypeNode,
  isLiteralTypeNode,
  isModuleDeclaration,
  type Node,
  SyntaxKind,
} from 'typescript/unstable/ast';
import { API } from 'typescript/unstable/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The rings of docs/ARCHITECTURE.md, read from the code with TypeScript's own parser (the
 * TypeScript 7 API, `typescript/unstable/sync`: it may change between 7.x releases).
 *
 *   kernel ← config.ts, version.ts ← store, bus ← http, mqtt ← modules ← server.ts, main.ts
 *
 * Every import and `export … from` of a source file under packages/server/src counts, `import
 * type` included: a type points the same way as the design. Only runtime imports make a
 * cycle, since `import type` is erased (verbatimModuleSyntax keeps `import { type A }` as a
 * load of the module, so that one counts as runtime). Tests (`*.test.ts`) compose like the
 * root and are not checked.
 */

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(srcDir, '../../..');

/** Rings from the inside out; an import may point only to a lower ring (modules: see below). */
const rings: readonly (readonly string[])[] = [
  ['kernel'],
  ['config.ts', 'version.ts'],
  ['store', 'bus'],
  ['http', 'mqtt'],
  ['modules'],
  ['root'],
];

interface KnownException {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/**
 * Imports that break a rule and are being moved, each with why (none today). The list may only shrink:
 * an entry that no longer occurs fails the test, so it gets deleted with the fix.
 */
const knownExceptions: readonly KnownException[] = [];

interface Import {
  readonly from: string;
  readonly line: number;
  readonly specifier: string;
  /** Relative to src, or null for a package. */
  readonly to: string | null;
  readonly runtime: boolean;
}

/** `kernel`, `store`, `modules/capture`, `config.ts`, or `root` for the composition root. */
function unitOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'modules' && second !== undefined) return `modules/${second}`;
  if (file === 'config.ts' || file === 'version.ts') return file;
  if (!file.includes('/')) return 'root';
  return top ?? 'root';
}

function ringOf(unit: string): number {
  const top = unit.startsWith('modules/') ? 'modules' : unit;
  return rings.findIndex((ring) => ring.includes(top));
}

function isTest(file: string): boolean {
  return file.endsWith('.test.ts');
}

function resolveSpecifier(fromFile: string, specifier: string): string | null {
  const base = path.resolve(srcDir, path.dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, path.join(base, 'index.ts')];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return found === undefined ? null : path.relative(srcDir, found).split(path.sep).join('/');
}

/** Whether the module specifier `node` is loaded at run time, from the statement that holds it. */
function isRuntime(node: Node): boolean {
  const holder = node.parent;
  if (isImportDeclaration(holder)) return holder.importClause?.phaseModifier !== SyntaxKind.TypeKeyword;
  if (isExportDeclaration(holder)) return !holder.isTypeOnly;
  if (isImportEqualsDeclaration(holder)) return !holder.isTypeOnly;
  if (isLiteralTypeNode(holder) && isImportTypeNode(holder.parent)) return false;
  if (isImportTypeNode(holder)) return false;
  // `declare module '…'` augments a module's types (a module's bus events) and loads nothing.
  if (isModuleDeclaration(holder)) return false;
  // `import('…')` and anything else load the module at run time.
  return true;
}

function readImports(): { files: string[]; imports: Import[] } {
  const api = new API({ cwd: repoRoot });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [path.join(repoRoot, 'tsconfig.json')] });
    const project = snapshot.getProjects()[0];
    if (!project) throw new Error('the TypeScript API opened no project for tsconfig.json');
    const program = project.program;
    const files: string[] = [];
    const imports: Import[] = [];
    for (const fileName of program.getSourceFileNames()) {
      const from = path.relative(srcDir, fileName).split(path.sep).join('/');
      if (from.startsWith('..') || !from.endsWith('.ts')) continue;
      const source = program.getSourceFile(fileName);
      if (!source) throw new Error(`the TypeScript API has no source for ${from}`);
      files.push(from);
      for (const node of [...source.imports, ...source.moduleAugmentations]) {
        if (!('text' in node) || typeof node.text !== 'string') continue;
        const specifier = node.text;
        const relative = specifier.startsWith('.');
        imports.push({
          from,
          line: source.getLineAndCharacterOfPosition(node.end).line + 1,
          specifier,
          to: relative ? (resolveSpecifier(from, specifier) ?? `?${specifier}`) : null,
          runtime: isRuntime(node),
        });
      }
    }
    return { files, imports };
  } finally {
    api.close();
  }
}

function describeImport(entry: Import): string {
  return `${entry.from}:${entry.line} imports '${entry.specifier}'`;
}

/** The problems of one import, each naming the rule it breaks. */
function problemsOf(entry: Import): { rule: string; text: string }[] {
  const { from, to } = entry;
  if (isTest(from)) return [];
  if (to === null) {
    return entry.specifier.startsWith('@fleetport/')
      ? [{ rule: 'package', text: `${describeImport(entry)}: the server imports no other workspace package` }]
      : [];
  }
  if (to.startsWith('?')) return [{ rule: 'resolve', text: `${describeImport(entry)}: no such file` }];
  if (to.startsWith('..'))
    return [{ rule: 'outside', text: `${describeImport(entry)}: source files import nothing outside src/` }];
  const problems: { rule: string; text: string }[] = [];
  const fromUnit = unitOf(from);
  const toUnit = unitOf(to);
  if (fromUnit !== toUnit) {
    const fromRing = ringOf(fromUnit);
    const toRing = ringOf(toUnit);
    const bothModules = fromUnit.startsWith('modules/') && toUnit.startsWith('modules/');
    if (toRing > fromRing || (toRing === fromRing && !bothModules)) {
      problems.push({
        rule: 'ring',
        text: `${describeImport(entry)}: wrong way, ${fromUnit} (ring ${fromRing}) may import only rings below it, not ${toUnit} (ring ${toRing})`,
      });
    }
    if (toUnit.startsWith('modules/') && !to.endsWith('/index.ts')) {
      problems.push({
        rule: 'module-face',
        text: `${describeImport(entry)}: reaches into ${toUnit}'s files; import its index.ts`,
      });
    }
  }
  if (to.startsWith('store/dialects/') && fromUnit !== 'store' && fromUnit !== 'root') {
    problems.push({
      rule: 'dialect',
      text: `${describeImport(entry)}: only store/ and the composition root import a dialect folder`,
    });
  }
  return problems;
}

/** Every runtime import cycle among non-test files, each once, as a walk from its first file. */
function findCycles(imports: readonly Import[]): string[] {
  const edges = new Map<string, Import[]>();
  for (const entry of imports) {
    if (!entry.runtime || entry.to === null || entry.to.startsWith('?') || isTest(entry.from)) continue;
    const list = edges.get(entry.from) ?? [];
    list.push(entry);
    edges.set(entry.from, list);
  }
  // Tarjan's strongly connected components: a component of more than one file is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const edge of edges.get(file) ?? []) {
      const next = edge.to ?? '';
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfLoop = (edges.get(file) ?? []).some((edge) => edge.to === file);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const file of [...edges.keys()].sort()) if (!index.has(file)) visit(file);

  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0] ?? '';
    // A shortest walk back to the start inside the component shows one concrete cycle.
    const previous = new Map<string, Import>();
    const queue = [start];
    let closing: Import | undefined;
    while (queue.length > 0 && closing === undefined) {
      const file = queue.shift() ?? '';
      for (const edge of edges.get(file) ?? []) {
        const next = edge.to ?? '';
        if (!members.has(next)) continue;
        if (next === start) {
          closing = edge;
          break;
        }
        if (!previous.has(next)) {
          previous.set(next, edge);
          queue.push(next);
        }
      }
    }
    const walk: Import[] = [];
    for (let edge = closing; edge !== undefined; edge = previous.get(edge.from)) {
      walk.unshift(edge);
      if (edge.from === start) break;
    }
    return `runtime import cycle among ${component.length} files, one way round: ${walk.map(describeImport).join(' → ')}`;
  });
}

describe('the rings of packages/server/src', () => {
  let files: string[] = [];
  let imports: Import[] = [];

  beforeAll(() => {
    ({ files, imports } = readImports());
  }, 120_000);

  afterAll(() => {
    files = [];
    imports = [];
  });

  it('reads the imports of every source file', () => {
    for (const file of ['server.ts', 'http/auth.ts', 'modules/access/index.ts', 'kernel/errors.ts']) {
      expect(files).toContain(file);
    }
    const auth = imports.filter((entry) => entry.from === 'http/auth.ts');
    expect(auth).toContainEqual(
      expect.objectContaining({ specifier: 'fastify', to: null, runtime: false, line: 1 }),
    );
    expect(auth).toContainEqual(
      expect.objectContaining({ specifier: '../kernel/errors.js', to: 'kernel/errors.ts', runtime: true }),
    );
    expect(imports).toContainEqual(
      expect.objectContaining({
        from: 'modules/changes/change-events.ts',
        to: 'bus/event-bus.ts',
        runtime: false,
      }),
    );
  });

  it('has no wrong-way import, no reach into another module, no dialect outside store/', () => {
    const found = imports.flatMap((entry) =>
      problemsOf(entry).map((problem) => ({ ...problem, from: entry.from, to: entry.to ?? '' })),
    );
    const excused = (problem: { from: string; to: string }): boolean =>
      knownExceptions.some((known) => known.from === problem.from && known.to === problem.to);
    const problems = found.filter((problem) => !excused(problem)).map((problem) => problem.text);
    const stale = knownExceptions
      .filter((known) => !found.some((problem) => problem.from === known.from && problem.to === known.to))
      .map(
        (known) => `known exception no longer occurs, delete it from the list: ${known.from} → ${known.to}`,
      );
    expect([...problems, ...stale]).toEqual([]);
  });

  it('has no runtime import cycle', () => {
    expect(findCycles(imports)).toEqual([]);
  });
});

describe('the ring rules', () => {
  const entry = (from: string, to: string | null, runtime = true): Import => ({
    from,
    line: 1,
    specifier: to ?? 'some-package',
    to,
    runtime,
  });
  const rulesOf = (from: string, to: string | null): string[] =>
    problemsOf(entry(from, to)).map((problem) => problem.rule);

  it('refuses an import from an inner ring to an outer one, types included', () => {
    expect(rulesOf('http/auth.ts', 'modules/access/index.ts')).toEqual(['ring']);
    expect(problemsOf(entry('kernel/ids.ts', 'store/store.ts', false)).map((p) => p.rule)).toEqual(['ring']);
    expect(rulesOf('store/store.ts', 'bus/event-bus.ts')).toEqual(['ring']);
    expect(rulesOf('mqtt/broker.ts', 'http/index.ts')).toEqual(['ring']);
    expect(rulesOf('modules/devices/device-routes.ts', 'http/index.ts')).toEqual([]);
    expect(rulesOf('modules/devices/device-routes.ts', 'config.ts')).toEqual([]);
    expect(rulesOf('server.ts', 'modules/devices/index.ts')).toEqual([]);
  });

  it('lets a module reach another only through an index.ts, and no one but store/ and the root reach a dialect', () => {
    expect(rulesOf('modules/capture/a.ts', 'modules/changes/change-store.ts')).toEqual(['module-face']);
    expect(rulesOf('modules/capture/a.ts', 'modules/changes/index.ts')).toEqual([]);
    expect(rulesOf('server.ts', 'modules/capture/sigfox/index.ts')).toEqual([]);
    expect(rulesOf('modules/capture/a.ts', 'store/dialects/sqlite/sqlite-store.ts')).toEqual(['dialect']);
    expect(rulesOf('store/open-store.ts', 'store/dialects/sqlite/sqlite-store.ts')).toEqual([]);
    expect(rulesOf('modules/capture/a.test.ts', 'store/dialects/sqlite/sqlite-store.ts')).toEqual([]);
  });

  it('finds a runtime cycle and ignores one closed by a type-only import', () => {
    const cycle = [entry('a/x.ts', 'a/y.ts'), entry('a/y.ts', 'a/z.ts'), entry('a/z.ts', 'a/x.ts')];
    expect(findCycles(cycle)).toEqual([
      "runtime import cycle among 3 files, one way round: a/x.ts:1 imports 'a/y.ts' → a/y.ts:1 imports 'a/z.ts' → a/z.ts:1 imports 'a/x.ts'",
    ]);
    expect(findCycles([entry('a/x.ts', 'a/y.ts'), entry('a/y.ts', 'a/x.ts', false)])).toEqual([]);
  });
});
