import { Environment } from '@marcbachmann/cel-js';
import { parseBooleanCondition } from './condition-compiler.js';
import { CONDITION_LIMITS, TIMESTAMP, TYPE_VARIABLE } from './condition-environment.js';

/**
 * Conditions over one change of the feed (a webhook's filter), where a device condition
 * is over a device: the same language, limits, refused functions and error positions,
 * with the variables of an event instead. docs/CONDITIONS.md lists them.
 */
export const EVENT_CONDITION_VARIABLES = [
  { name: 'type', type: 'string', description: 'the event type (the change kind), e.g. `device.created`' },
  { name: 'entityId', type: 'string', description: 'the id of the entity that changed' },
  { name: 'at', type: TIMESTAMP, description: 'when the change was committed' },
  { name: 'data', type: 'dyn', description: 'the entity after the change, as the change feed shows it' },
] as const;

/** One change as an event condition sees it. */
export interface EventFacts {
  readonly type: string;
  readonly entityId: string;
  /** Unix ms. */
  readonly at: number;
  readonly data: unknown;
}

/** An event condition that parsed and type-checked. */
export interface EventCondition {
  readonly source: string;
  /** True when the condition holds; an evaluation error (a missing key, say) is false. */
  matches(facts: EventFacts): boolean;
}

function buildEventEnvironment(): Environment {
  let env = new Environment({
    limits: {
      maxAstNodes: CONDITION_LIMITS.maxAstNodes,
      maxDepth: CONDITION_LIMITS.maxDepth,
      maxListElements: CONDITION_LIMITS.maxListElements,
      maxMapEntries: CONDITION_LIMITS.maxMapEntries,
      maxCallArguments: CONDITION_LIMITS.maxCallArguments,
    },
  });
  for (const variable of EVENT_CONDITION_VARIABLES) {
    // `type` is renamed in the tree like a device condition's (see TYPE_VARIABLE).
    const name = variable.name === 'type' ? TYPE_VARIABLE : variable.name;
    env = env.registerVariable(name, variable.type, { description: variable.description });
  }
  return env;
}

const eventEnvironment = buildEventEnvironment();

const cache = new Map<string, EventCondition>();
const CACHE_SIZE = 256;

/**
 * Parses and type-checks a condition over a change, or throws `invalid_condition` with the
 * line and column (like `compileCondition`). Cached by source text.
 *
 * @example
 * const filter = compileEventCondition('type == "device.created" && data.tags.site == "paris"', 'filter');
 * filter.matches({ type: change.kind, entityId: change.entityId, at: change.at, data: change.data });
 */
export function compileEventCondition(source: string, field = 'filter'): EventCondition {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const { parsed } = parseBooleanCondition(eventEnvironment, source, field);
  const evaluate = parsed;
  const condition: EventCondition = {
    source,
    matches(facts) {
      try {
        return (
          evaluate({
            [TYPE_VARIABLE]: facts.type,
            entityId: facts.entityId,
            at: new Date(facts.at),
            data: facts.data ?? null,
          }) === true
        );
      } catch {
        return false;
      }
    },
  };
  cache.set(source, condition);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return condition;
}
