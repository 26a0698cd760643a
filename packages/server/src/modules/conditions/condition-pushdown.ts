import type { ASTNode } from '@marcbachmann/cel-js';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DialectName } from '../../store/store.js';
import type { Condition } from './condition-compiler.js';
import { conditionEnvironment, TYPE_VARIABLE } from './condition-environment.js';

/**
 * Turns what SQL can answer of a condition into a WHERE over `devices as d`.
 *
 * Every node is translated twice: `pos`, true for every device where CEL says true, and
 * `neg`, true for every device where CEL says false. `!` swaps them, `&&` and `||` combine
 * them (De Morgan for `neg`), so no SQL NOT ever meets a NULL. What SQL cannot answer is
 * TRUE in both, which keeps `pos` a superset: the caller evaluates the condition again in
 * process on what the query returns. `exact` says SQL alone decided (and so tests can
 * check equality, not just inclusion).
 */
/**
 * The device a correlated tag subquery (`t.device_id = …`) looks up, for a scan of `d` in
 * id order. On SQLite a plain `d.id` lets the planner carry the page's `d.id > cursor` over
 * to `t.device_id > cursor` and walk the tag rows of every later device for each device;
 * the unary plus keeps it one index lookup per device. An uncorrelated `d.id IN (…)` avoids
 * that but rebuilds the whole tag set for every page: quadratic over a fleet's pages.
 */
export function tagOwner(dialect: DialectName): RawBuilder<unknown> {
  return dialect === 'sqlite' ? sql`+d.id` : sql`d.id`;
}

export interface Pushdown {
  readonly where: RawBuilder<SqlBool>;
  readonly exact: boolean;
}

export interface PushdownTarget {
  readonly dialect: DialectName;
  readonly tenantId: string;
  /** The `now` of this evaluation, Unix ms: the same value must reach the in-process part. */
  readonly now: number;
}

/** true / false are constants; a RawBuilder is a predicate. */
type Part = boolean | RawBuilder<unknown>;

interface Translation {
  readonly pos: Part;
  readonly neg: Part;
  readonly exact: boolean;
}

const UNKNOWN: Translation = { pos: true, neg: true, exact: false };

function and(a: Part, b: Part): Part {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return sql`(${a} AND ${b})`;
}

function or(a: Part, b: Part): Part {
  if (a === true || b === true) return true;
  if (a === false) return b;
  if (b === false) return a;
  return sql`(${a} OR ${b})`;
}

function render(part: Part): RawBuilder<SqlBool> {
  if (part === true) return sql<SqlBool>`1 = 1`;
  if (part === false) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${part}`;
}

const COLUMNS: Readonly<Record<string, string>> = {
  id: 'd.id',
  [TYPE_VARIABLE]: 'd.type_id',
  name: 'd.name',
  lifecycle: 'd.lifecycle',
};
/** Columns whose values are ASCII (the device id pattern), where every dialect orders as CEL does. */
const ORDERED = new Set(['d.id', 'd.type_id', 'd.lifecycle']);
/** Attribute keys that go into a JSON path as they are. */
const PATH_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const NEGATED: Readonly<Record<string, string>> = {
  '<': '>=',
  '<=': '>',
  '>': '<=',
  '>=': '<',
  '==': '!=',
  '!=': '==',
};
const MIRRORED: Readonly<Record<string, string>> = {
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
  '==': '==',
  '!=': '!=',
};
const SQL_OPS: Readonly<Record<string, string>> = {
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '==': '=',
  '!=': '<>',
};

function isId(node: ASTNode, name: string): boolean {
  return node.op === 'id' && node.args === name;
}

function stringLiteral(node: ASTNode): string | undefined {
  return node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

/** A JSON-like literal (string, bool, or a number every side reads the same way). */
function scalarLiteral(node: ASTNode): string | number | boolean | undefined {
  if (node.op === '-_' && node.args.op === 'value') {
    const inner = scalarLiteral(node.args);
    return typeof inner === 'number' ? -inner : undefined;
  }
  if (node.op !== 'value') return undefined;
  const value = node.args;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (
    typeof value === 'bigint' &&
    value <= BigInt(Number.MAX_SAFE_INTEGER) &&
    value >= -BigInt(Number.MAX_SAFE_INTEGER)
  )
    return Number(value);
  return undefined;
}

function stringList(node: ASTNode): string[] | undefined {
  if (node.op !== 'list') return undefined;
  const out: string[] = [];
  for (const item of node.args) {
    const value = stringLiteral(item);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** `tags.k` or `tags["k"]` → k. */
function tagKey(node: ASTNode): string | undefined {
  if (node.op === '.' && isId(node.args[0], 'tags')) return node.args[1];
  if (node.op === '[]' && isId(node.args[0], 'tags')) return stringLiteral(node.args[1]);
  return undefined;
}

/** `attributes.a.b` or `attributes["a"]["b"]` → ['a', 'b'] when every key fits a JSON path. */
function attributePath(node: ASTNode): string[] | undefined {
  const keys: string[] = [];
  let current = node;
  for (;;) {
    let key: string | undefined;
    let inner: ASTNode;
    if (current.op === '.') {
      key = current.args[1];
      inner = current.args[0];
    } else if (current.op === '[]') {
      key = stringLiteral(current.args[1]);
      inner = current.args[0];
    } else return undefined;
    if (key === undefined || !PATH_KEY.test(key)) return undefined;
    keys.unshift(key);
    if (isId(inner, 'attributes')) return keys;
    current = inner;
  }
}

const codePoints = (text: string) => [...text].length;

class Translator {
  readonly #source: string;
  readonly #target: PushdownTarget;
  constructor(source: string, target: PushdownTarget) {
    this.#source = source;
    this.#target = target;
  }

  node(node: ASTNode): Translation {
    switch (node.op) {
      case '&&': {
        const a = this.node(node.args[0]);
        const b = this.node(node.args[1]);
        return { pos: and(a.pos, b.pos), neg: or(a.neg, b.neg), exact: a.exact && b.exact };
      }
      case '||': {
        const a = this.node(node.args[0]);
        const b = this.node(node.args[1]);
        return { pos: or(a.pos, b.pos), neg: and(a.neg, b.neg), exact: a.exact && b.exact };
      }
      case '!_': {
        const a = this.node(node.args);
        return { pos: a.neg, neg: a.pos, exact: a.exact };
      }
      case '?:': {
        const [c, a, b] = node.args.map((n) => this.node(n)) as [Translation, Translation, Translation];
        return {
          pos: or(and(c.pos, a.pos), and(c.neg, b.pos)),
          neg: or(and(c.pos, a.neg), and(c.neg, b.neg)),
          exact: c.exact && a.exact && b.exact,
        };
      }
      case 'value':
        return typeof node.args === 'boolean' ? { pos: node.args, neg: !node.args, exact: true } : UNKNOWN;
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(node.op, node.args[0], node.args[1]);
      case 'in':
        return this.membership(node.args[0], node.args[1]);
      case 'rcall':
        return this.method(node.args[0], node.args[1], node.args[2]);
      case 'call':
        if (node.args[0] === 'has' && node.args[1].length === 1 && node.args[1][0] !== undefined)
          return this.has(node.args[1][0]);
        return UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  comparison(op: string, left: ASTNode, right: ASTNode): Translation {
    const direct = this.#compare(op, left, right);
    if (direct !== undefined) return direct;
    const mirrored = MIRRORED[op];
    return (mirrored !== undefined && this.#compare(mirrored, right, left)) || UNKNOWN;
  }

  #compare(op: string, subject: ASTNode, other: ASTNode): Translation | undefined {
    const sqlOp = SQL_OPS[op];
    const negOp = SQL_OPS[NEGATED[op] ?? ''];
    if (sqlOp === undefined || negOp === undefined) return undefined;
    const column = subject.op === 'id' ? COLUMNS[subject.args] : undefined;
    if (column !== undefined) {
      const value = stringLiteral(other);
      if (value === undefined) return undefined;
      if (op !== '==' && op !== '!=' && !ORDERED.has(column)) return undefined;
      return {
        pos: this.#columnCompare(column, sqlOp, value),
        neg: this.#columnCompare(column, negOp, value),
        exact: true,
      };
    }
    const key = tagKey(subject);
    if (key !== undefined && (op === '==' || op === '!=')) {
      const value = stringLiteral(other);
      if (value === undefined) return undefined;
      return {
        pos: this.#tagged(key, sql`t.value ${sql.raw(sqlOp)} ${value}`),
        neg: this.#tagged(key, sql`t.value ${sql.raw(negOp)} ${value}`),
        exact: true,
      };
    }
    if (isId(subject, 'lastSeen')) {
      const at = this.#timeConstant(other);
      if (at === undefined) return undefined;
      const seen = sql`COALESCE((SELECT s.last_seen_at FROM device_state s WHERE s.tenant_id = d.tenant_id AND s.device_id = d.id), 0)`;
      return {
        pos: sql`${seen} ${sql.raw(sqlOp)} ${at}`,
        neg: sql`${seen} ${sql.raw(negOp)} ${at}`,
        exact: true,
      };
    }
    const path = attributePath(subject);
    if (path !== undefined) {
      const value = scalarLiteral(other);
      if (value === undefined || op === '!=') return undefined;
      if (op !== '==' && typeof value !== 'number') return undefined;
      return { pos: this.#attributeCompare(path, sqlOp, value), neg: true, exact: false };
    }
    return undefined;
  }

  #columnCompare(column: string, sqlOp: string, value: string): Part {
    // PostgreSQL's default collation orders by language; CEL (and SQLite's BINARY) by code point.
    const collate =
      this.#target.dialect === 'postgres' && sqlOp !== '=' && sqlOp !== '<>' ? sql` COLLATE "C"` : sql``;
    return sql`${sql.ref(column)}${collate} ${sql.raw(sqlOp)} ${value}`;
  }

  /** Devices of the tenant that have tag `key` with a value matching `valuePredicate` over `t.value`. */
  #tagged(key: string, valuePredicate?: RawBuilder<unknown>): RawBuilder<unknown> {
    const predicate = valuePredicate === undefined ? sql`` : sql` AND ${valuePredicate}`;
    return sql`EXISTS (SELECT 1 FROM device_tags t WHERE t.tenant_id = ${this.#target.tenantId} AND t.device_id = ${tagOwner(this.#target.dialect)} AND t.key = ${key}${predicate})`;
  }

  #untagged(key: string): RawBuilder<unknown> {
    return sql`NOT EXISTS (SELECT 1 FROM device_tags t WHERE t.tenant_id = ${this.#target.tenantId} AND t.device_id = ${tagOwner(this.#target.dialect)} AND t.key = ${key})`;
  }

  #jsonPath(path: readonly string[]): string {
    return `$${path.map((k) => `."${k}"`).join('')}`;
  }

  #attributeExists(path: readonly string[]): Part {
    if (this.#target.dialect === 'sqlite')
      return sql`json_type(d.attributes, ${this.#jsonPath(path)}) IS NOT NULL`;
    return sql`((d.attributes)::jsonb #> ${[...path]}::text[]) IS NOT NULL`;
  }

  #attributeCompare(path: readonly string[], sqlOp: string, value: string | number | boolean): Part {
    if (this.#target.dialect === 'sqlite') {
      const p = this.#jsonPath(path);
      if (typeof value === 'boolean') return sql`json_type(d.attributes, ${p}) = ${value ? 'true' : 'false'}`;
      if (typeof value === 'string')
        return sql`(json_type(d.attributes, ${p}) = 'text' AND json_extract(d.attributes, ${p}) ${sql.raw(sqlOp)} ${value})`;
      // As a double, the way JSON.parse read it: SQLite keeps an integer above 2^53 exact.
      return sql`(json_type(d.attributes, ${p}) IN ('integer', 'real') AND CAST(json_extract(d.attributes, ${p}) AS REAL) ${sql.raw(sqlOp)} ${value})`;
    }
    const keys = [...path];
    if (sqlOp === '=')
      return sql`((d.attributes)::jsonb #> ${keys}::text[]) = ${JSON.stringify(value)}::jsonb`;
    return sql`(CASE WHEN jsonb_typeof((d.attributes)::jsonb #> ${keys}::text[]) = 'number' THEN ((d.attributes)::jsonb #>> ${keys}::text[])::float8 ${sql.raw(sqlOp)} ${value} ELSE false END)`;
  }

  membership(element: ASTNode, container: ASTNode): Translation {
    const key = stringLiteral(element);
    if (key !== undefined && isId(container, 'tags')) {
      return { pos: this.#tagged(key), neg: this.#untagged(key), exact: true };
    }
    if (key !== undefined && isId(container, 'attributes') && PATH_KEY.test(key)) {
      return { pos: this.#attributeExists([key]), neg: true, exact: false };
    }
    const values = stringList(container);
    if (values === undefined) return UNKNOWN;
    if (values.length === 0) return { pos: false, neg: true, exact: true };
    const column = element.op === 'id' ? COLUMNS[element.args] : undefined;
    if (column !== undefined) {
      return {
        pos: sql`${sql.ref(column)} IN (${sql.join(values)})`,
        neg: sql`${sql.ref(column)} NOT IN (${sql.join(values)})`,
        exact: true,
      };
    }
    const tag = tagKey(element);
    if (tag !== undefined) {
      return {
        pos: this.#tagged(tag, sql`t.value IN (${sql.join(values)})`),
        neg: this.#tagged(tag, sql`t.value NOT IN (${sql.join(values)})`),
        exact: true,
      };
    }
    const path = attributePath(element);
    if (path !== undefined) {
      let pos: Part = false;
      for (const value of values) pos = or(pos, this.#attributeCompare(path, '=', value));
      return { pos, neg: true, exact: false };
    }
    return UNKNOWN;
  }

  has(selection: ASTNode): Translation {
    if (selection.op !== '.') return UNKNOWN;
    if (isId(selection.args[0], 'tags')) {
      const key = selection.args[1];
      return { pos: this.#tagged(key), neg: this.#untagged(key), exact: true };
    }
    const path = attributePath(selection);
    if (path === undefined) return UNKNOWN;
    return { pos: this.#attributeExists(path), neg: true, exact: false };
  }

  /** startsWith / endsWith / contains on a column, a tag value or a string attribute. */
  method(name: string, receiver: ASTNode, args: readonly ASTNode[]): Translation {
    if (name !== 'startsWith' && name !== 'endsWith' && name !== 'contains') return UNKNOWN;
    const value = args.length === 1 && args[0] !== undefined ? stringLiteral(args[0]) : undefined;
    if (value === undefined) return UNKNOWN;
    const test = (text: RawBuilder<unknown>, matching: boolean): Part => {
      if (value === '') return matching;
      const n = codePoints(value);
      const eq = sql.raw(matching ? '=' : '<>');
      if (name === 'startsWith') return sql`substr(${text}, 1, ${n}) ${eq} ${value}`;
      if (name === 'endsWith') {
        return this.#target.dialect === 'sqlite'
          ? sql`substr(${text}, ${-n}) ${eq} ${value}`
          : sql`right(${text}, ${n}) ${eq} ${value}`;
      }
      const found =
        this.#target.dialect === 'sqlite' ? sql`instr(${text}, ${value})` : sql`strpos(${text}, ${value})`;
      return sql`${found} ${sql.raw(matching ? '>' : '=')} 0`;
    };
    const column = receiver.op === 'id' ? COLUMNS[receiver.args] : undefined;
    if (column !== undefined) {
      return { pos: test(sql.ref(column), true), neg: test(sql.ref(column), false), exact: true };
    }
    const key = tagKey(receiver);
    if (key !== undefined) {
      const within = (matching: boolean): Part => {
        const predicate = test(sql`t.value`, matching);
        if (predicate === false) return false;
        return this.#tagged(key, predicate === true ? undefined : predicate);
      };
      return { pos: within(true), neg: within(false), exact: true };
    }
    const path = attributePath(receiver);
    if (path !== undefined) {
      if (this.#target.dialect === 'sqlite') {
        const p = this.#jsonPath(path);
        return {
          pos: and(
            sql`json_type(d.attributes, ${p}) = 'text'`,
            test(sql`json_extract(d.attributes, ${p})`, true),
          ),
          neg: true,
          exact: false,
        };
      }
      const keys = [...path];
      const matched = test(sql`((d.attributes)::jsonb #>> ${keys}::text[])`, true);
      if (typeof matched === 'boolean') return { pos: matched, neg: true, exact: false };
      return {
        pos: sql`(CASE WHEN jsonb_typeof((d.attributes)::jsonb #> ${keys}::text[]) = 'string' THEN ${matched} ELSE false END)`,
        neg: true,
        exact: false,
      };
    }
    return UNKNOWN;
  }

  /** A timestamp made of literals and `now` only, evaluated here to Unix ms. */
  #timeConstant(node: ASTNode): number | undefined {
    if (!this.#isTimeConstant(node)) return undefined;
    try {
      const value: unknown = conditionEnvironment.evaluate(this.#source.slice(node.start, node.end), {
        now: new Date(this.#target.now),
      });
      return value instanceof Date && Number.isFinite(value.getTime()) ? value.getTime() : undefined;
    } catch {
      return undefined;
    }
  }

  #isTimeConstant(node: ASTNode): boolean {
    switch (node.op) {
      case 'id':
        return node.args === 'now';
      case 'value':
        return true;
      case '+':
      case '-':
        return this.#isTimeConstant(node.args[0]) && this.#isTimeConstant(node.args[1]);
      case 'call':
        return (
          (node.args[0] === 'timestamp' || node.args[0] === 'duration') &&
          node.args[1].every((arg) => this.#isTimeConstant(arg))
        );
      default:
        return false;
    }
  }
}

/** The SQL part of a condition for devices `d` of one tenant; the caller still evaluates the rest. */
export function pushDown(condition: Condition, target: PushdownTarget): Pushdown {
  const translation = new Translator(condition.source, target).node(condition.ast);
  return { where: render(translation.pos), exact: translation.exact };
}
