import { Environment } from '@marcbachmann/cel-js';

/**
 * The declared environment every device condition is checked against. One place declares
 * what a condition can name; docs/CONDITIONS.md lists the same variables.
 */

/** How the structural limits of a condition are set (docs/CONDITIONS.md gives them). */
export const CONDITION_LIMITS = {
  /** Characters of source text. */
  maxLength: 2048,
  maxAstNodes: 256,
  maxDepth: 32,
  maxListElements: 256,
  maxMapEntries: 64,
  maxCallArguments: 16,
  /**
   * Comprehensions (`exists`, `all`, `exists_one`, `map`, `filter`) inside one another: one
   * level keeps the cost linear in the device's own data (attributes are at most 64 KiB).
   */
  maxComprehensionNesting: 1,
} as const;

/** CEL's own identifier `type` (the type of types) cannot be declared again, so the parsed tree names this instead. */
export const TYPE_VARIABLE = '__device_type';

export const TIMESTAMP = 'google.protobuf.Timestamp';

/** Every variable a device condition may use, with its CEL type and what it holds. */
export const CONDITION_VARIABLES = [
  { name: 'id', type: 'string', description: 'the device id' },
  { name: 'type', type: 'string', description: "the device type's id" },
  { name: 'name', type: 'string', description: 'the device name' },
  { name: 'tags', type: 'map<string, string>', description: 'the device tags' },
  { name: 'attributes', type: 'map<string, dyn>', description: 'the device attributes (JSON)' },
  {
    name: 'lifecycle',
    type: 'string',
    description: 'the lifecycle state, e.g. `activated` (docs/LIFECYCLE.md)',
  },
  {
    name: 'lastSeen',
    type: TIMESTAMP,
    description: 'when the device was last heard from; 1970-01-01T00:00:00Z when never',
  },
  { name: 'now', type: TIMESTAMP, description: 'the time of the evaluation (one value per request)' },
  { name: 'reported', type: 'map<string, dyn>', description: "the twin's reported properties" },
  { name: 'desired', type: 'map<string, dyn>', description: "the twin's desired properties" },
] as const;

export type ConditionVariable = (typeof CONDITION_VARIABLES)[number]['name'];

/** The variable's name inside the engine: `type` is the only one renamed. */
export function engineName(variable: string): string {
  return variable === 'type' ? TYPE_VARIABLE : variable;
}

function buildEnvironment(): Environment {
  let env = new Environment({
    limits: {
      maxAstNodes: CONDITION_LIMITS.maxAstNodes,
      maxDepth: CONDITION_LIMITS.maxDepth,
      maxListElements: CONDITION_LIMITS.maxListElements,
      maxMapEntries: CONDITION_LIMITS.maxMapEntries,
      maxCallArguments: CONDITION_LIMITS.maxCallArguments,
    },
  });
  for (const variable of CONDITION_VARIABLES) {
    env = env.registerVariable(engineName(variable.name), variable.type, {
      description: variable.description,
    });
  }
  return env;
}

/** Built once: an environment is immutable once expressions are parsed against it. */
export const conditionEnvironment: Environment = buildEnvironment();

/** The variables whose data another module owns and supplies per page of devices. */
export type ProvidedVariable = 'reported' | 'desired';

/**
 * The seam for those variables: the twins module registers one provider per variable with
 * the composition root; without one, the variable is an empty map (so `reported.x == 1`
 * type-checks and matches nothing).
 */
export interface ConditionVariableProvider {
  readonly variable: ProvidedVariable;
  /** Each listed device's value; a device left out gets an empty map. */
  load(
    tenantId: string,
    deviceIds: readonly string[],
  ): Promise<ReadonlyMap<string, Readonly<Record<string, unknown>>>>;
}
