export {
  type Condition,
  type ConditionProblem,
  compileCondition,
  type DeviceFacts,
  positionOf,
} from './condition-compiler.js';
export {
  CONDITION_LIMITS,
  CONDITION_VARIABLES,
  type ConditionVariable,
  type ConditionVariableProvider,
  type ProvidedVariable,
} from './condition-environment.js';
export { ConditionVariableProviders } from './condition-providers.js';
export { type Pushdown, type PushdownTarget, pushDown, tagOwner } from './condition-pushdown.js';
export {
  compileEventCondition,
  EVENT_CONDITION_VARIABLES,
  type EventCondition,
  type EventFacts,
} from './event-condition.js';
