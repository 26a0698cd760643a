import type { ASTNode, Environment, ParseResult } from '@marcbachmann/cel-js';
import { AppError } from '../../kernel/errors.js';
import {
  CONDITION_LIMITS,
  CONDITION_VARIABLES,
  type ConditionVariable,
  conditionEnvironment,
  TYPE_VARIABLE,
} from './condition-environment.js';

/** What a device condition is evaluated over, in process. */
export interface DeviceFacts {
  readonly id: string;
  readonly typeId: string;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The lifecycle state (docs/LIFECYCLE.md). */
  readonly lifecycle: string;
  /** Unix ms; null when the device was never heard from. */
  readonly lastSeenAt: number | null;
  /** Values of the variables that other modules provide (`reported`, `desired`). */
  readonly provided?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A condition that parsed and type-checked: compiled once, evaluated many times. */
export interface Condition {
  readonly source: string;
  /** The variables it names, by their public names. */
  readonly variables: ReadonlySet<ConditionVariable>;
  /** The checked tree, for push-down; `type` appears as the engine's own name. */
  readonly ast: ASTNode;
  /** True when the condition holds; an evaluation error (a missing key, say) is false. */
  matches(facts: DeviceFacts, now: number): boolean;
}

/** Where a problem is: 1-based line and column, 0-based offset. */
export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

export function positionOf(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

export type ConditionProblem =
  | 'syntax'
  | 'type'
  | 'unknown_variable'
  | 'not_boolean'
  | 'limit'
  | 'unsupported';

export function invalidCondition(
  source: string,
  field: string,
  problem: ConditionProblem,
  summary: string,
  offset: number,
): AppError {
  const at = positionOf(source, offset);
  return new AppError('invalid_condition', `${field}: ${summary} (line ${at.line}, column ${at.column})`, {
    field,
    problem,
    ...at,
  });
}

const COMPREHENSIONS = new Set(['exists', 'all', 'exists_one', 'map', 'filter']);
const publicNames = new Map<string, ConditionVariable>(
  CONDITION_VARIABLES.map((v) => [v.name === 'type' ? TYPE_VARIABLE : v.name, v.name]),
);

/** Child nodes of any node, whatever its operator. */
export function childrenOf(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === 'object' && 'op' in value) out.push(value as ASTNode);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}

export interface Walk {
  readonly variables: Set<ConditionVariable>;
}

/**
 * Renames `type` to the engine's name, collects the variables used and enforces what the
 * engine's own limits do not: comprehension nesting and functions that are refused.
 */
export function walk(source: string, field: string, node: ASTNode, nesting: number, state: Walk): void {
  if (node.op === 'id') {
    const name = node.args;
    if (name === TYPE_VARIABLE) {
      throw invalidCondition(source, field, 'unknown_variable', `Unknown variable: ${name}`, node.start);
    }
    const engine = name === 'type' ? TYPE_VARIABLE : name;
    if (engine !== name) (node as { args: string }).args = engine;
    const known = publicNames.get(engine);
    if (known !== undefined) state.variables.add(known);
    return;
  }
  let inner = nesting;
  if (node.op === 'rcall' || node.op === 'call') {
    const fn = node.args[0];
    if (fn === 'matches') {
      // JavaScript's regular expressions backtrack: one crafted pattern could hold the server.
      throw invalidCondition(
        source,
        field,
        'unsupported',
        'matches() is not available in conditions; use startsWith, endsWith or contains',
        node.start,
      );
    }
    if (node.op === 'rcall' && COMPREHENSIONS.has(fn)) {
      inner = nesting + 1;
      if (inner > CONDITION_LIMITS.maxComprehensionNesting) {
        throw invalidCondition(
          source,
          field,
          'limit',
          `comprehensions may nest ${CONDITION_LIMITS.maxComprehensionNesting} deep at most`,
          node.start,
        );
      }
    }
  }
  for (const child of childrenOf(node)) walk(source, field, child, inner, state);
}

const ENGINE_LIMIT_CODES = new Set(['limit_exceeded']);

export function fromEngineError(source: string, field: string, error: unknown): AppError {
  if (!(error instanceof Error)) return invalidCondition(source, field, 'syntax', String(error), 0);
  const engine = error as Error & { code?: string; summary?: string; range?: { start: number } };
  const summary = (engine.summary ?? engine.message.split('\n')[0] ?? '').replaceAll(TYPE_VARIABLE, 'type');
  const offset = engine.range?.start ?? 0;
  let problem: ConditionProblem = engine.name === 'ParseError' ? 'syntax' : 'type';
  if (/^Unknown variable/.test(summary)) problem = 'unknown_variable';
  else if (engine.code !== undefined && ENGINE_LIMIT_CODES.has(engine.code)) problem = 'limit';
  else if (/exceed|maximum|too (many|deep|long)/i.test(summary)) problem = 'limit';
  return invalidCondition(source, field, problem, summary, offset);
}

/**
 * A condition's source parsed in `environment` and type-checked as a boolean, within the
 * limits, or an `invalid_condition` with its position: device and event conditions share it.
 */
export function parseBooleanCondition(
  environment: Pick<Environment, 'parse'>,
  source: string,
  field: string,
): { readonly parsed: ParseResult; readonly variables: Set<ConditionVariable> } {
  if (source.length > CONDITION_LIMITS.maxLength) {
    throw invalidCondition(
      source,
      field,
      'limit',
      `a condition is at most ${CONDITION_LIMITS.maxLength} characters`,
      CONDITION_LIMITS.maxLength,
    );
  }
  if (source.trim() === '') throw invalidCondition(source, field, 'syntax', 'the condition is empty', 0);
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    throw fromEngineError(source, field, error);
  }
  const state: Walk = { variables: new Set() };
  walk(source, field, parsed.ast, 0, state);
  const checked = parsed.check();
  if (!checked.valid) throw fromEngineError(source, field, checked.error);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw invalidCondition(
      source,
      field,
      'not_boolean',
      `a condition must be a bool, not ${checked.type}`,
      0,
    );
  }
  return { parsed, variables: state.variables };
}

function compileUncached(source: string, field: string): Condition {
  const { parsed, variables } = parseBooleanCondition(conditionEnvironment, source, field);
  const evaluate = parsed;
  return {
    source,
    variables,
    ast: parsed.ast,
    matches(facts, now) {
      try {
        return evaluate(activation(facts, now)) === true;
      } catch {
        // CEL's answer for a missing key or a type mismatch at run time: this device does not match.
        return false;
      }
    },
  };
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function activation(facts: DeviceFacts, now: number): Record<string, unknown> {
  return {
    id: facts.id,
    [TYPE_VARIABLE]: facts.typeId,
    name: facts.name,
    tags: facts.tags,
    attributes: facts.attributes,
    lifecycle: facts.lifecycle,
    lastSeen: new Date(facts.lastSeenAt ?? 0),
    now: new Date(now),
    reported: facts.provided?.reported ?? EMPTY,
    desired: facts.provided?.desired ?? EMPTY,
  };
}

/** Compiled conditions by source, most recently used last. */
const cache = new Map<string, Condition>();
const CACHE_SIZE = 512;

/**
 * Parses and type-checks a device condition, or throws `invalid_condition` naming the line
 * and column. Compiled once per source text: the same text is served from a small LRU.
 *
 * @example
 * const condition = compileCondition('type == "tracker" && tags.site == "paris"');
 * condition.matches(facts, Date.now());
 */
export function compileCondition(source: string, field = 'where'): Condition {
  const hit = cache.get(source);
  if (hit !== undefined) {
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const condition = compileUncached(source, field);
  cache.set(source, condition);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return condition;
}
