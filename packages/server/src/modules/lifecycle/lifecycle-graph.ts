import { AppError } from '../../kernel/errors.js';
import { LIFECYCLE_STATES, type LifecycleState } from '../devices/index.js';

export { LIFECYCLE_STATES, type LifecycleState };

/**
 * The lifecycle graph: from each state, the states a device may move to. docs/LIFECYCLE.md
 * draws the same graph; a refused transition names the allowed ones from this table.
 */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  manufactured: ['tested', 'activated', 'retired'],
  tested: ['manufactured', 'activated', 'retired'],
  activated: ['suspended', 'quarantined', 'out_of_contract', 'out_of_subscription', 'retired'],
  suspended: ['activated', 'quarantined', 'out_of_contract', 'out_of_subscription', 'retired'],
  quarantined: ['activated', 'suspended', 'out_of_contract', 'out_of_subscription', 'retired'],
  out_of_contract: ['activated', 'suspended', 'out_of_subscription', 'retired'],
  out_of_subscription: ['activated', 'suspended', 'out_of_contract', 'retired'],
  // A refurbished device starts its life again under the same id.
  retired: ['manufactured'],
};

/** The rules of automatic transitions; the audit trail names them as the actor. */
export const AUTOMATIC_RULES = {
  first_uplink_on_test_type: {
    to: 'tested',
    when: 'the first uplink of a manufactured device on a test type',
  },
  first_production_uplink: {
    to: 'activated',
    when: 'the first uplink of a manufactured or tested device on a production type',
  },
  contract_ended: { to: 'out_of_contract', when: "the end date of the device's network contract" },
  subscription_ended: {
    to: 'out_of_subscription',
    when: "the end date of the device's service subscription",
  },
  crazy_device: {
    to: 'quarantined',
    when: "more live uplinks within its type's window than the type's threshold (docs/HEALTH.md)",
  },
  quiet_release: {
    to: 'activated',
    when: "a device quarantined by crazy_device that stayed quiet for its type's quiet time, back to the state it was quarantined from",
  },
} as const satisfies Record<string, { to: LifecycleState; when: string }>;
export type AutomaticRule = keyof typeof AUTOMATIC_RULES;

/**
 * A device type's stage decides its automatic transitions: `test` (first uplink → tested),
 * `production` (first uplink → activated; the default) or `none`.
 */
export const TYPE_STAGES = ['test', 'production', 'none'] as const;
export type TypeStage = (typeof TYPE_STAGES)[number];
export const DEFAULT_TYPE_STAGE: TypeStage = 'production';

export function isLifecycleState(value: string): value is LifecycleState {
  return (LIFECYCLE_STATES as readonly string[]).includes(value);
}

/** Whether the graph has an edge from `from` to `to`. */
export function transitionAllowed(from: LifecycleState, to: LifecycleState): boolean {
  return LIFECYCLE_TRANSITIONS[from].includes(to);
}

/** Throws `lifecycle_transition_refused`, naming the states allowed from `from`, unless the edge exists. */
export function checkTransition(deviceId: string, from: LifecycleState, to: LifecycleState): void {
  if (transitionAllowed(from, to)) return;
  const allowed = LIFECYCLE_TRANSITIONS[from];
  throw new AppError(
    'lifecycle_transition_refused',
    `device '${deviceId}' cannot go from ${from} to ${to}; from ${from} it may go to ${allowed.join(', ')}`,
    { deviceId, from, to, allowed: [...allowed] },
  );
}

/**
 * States whose uplinks are stored and shown but not processed further: the one check the
 * feed consumers that act on uplinks make (reported twin properties, configuration
 * re-evaluation, and rules and forwarding when they come). Quarantined devices are still
 * decoded; retired ones are not even decoded (docs/LIFECYCLE.md).
 */
export const PROCESSING_SKIPPED_STATES: readonly LifecycleState[] = ['quarantined', 'retired'];

/** Whether a device in `state` has its uplinks processed (see `PROCESSING_SKIPPED_STATES`). */
export function skipsProcessing(state: string): boolean {
  return (PROCESSING_SKIPPED_STATES as readonly string[]).includes(state);
}
