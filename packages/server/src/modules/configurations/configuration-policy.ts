import type { DesiredEdit, DesiredView } from '../twins/index.js';
import { jsonEqual } from '../twins/index.js';

/** What settles a property two configurations both set. */
export interface Ranked {
  readonly id: string;
  readonly priority: number;
  readonly createdAt: number;
  readonly content: Readonly<Record<string, unknown>>;
}

const PREFIX = 'configuration:';

/** The `set_by` of the properties a configuration sets. */
export function ownerOf(configurationId: string): string {
  return `${PREFIX}${configurationId}`;
}

/** Whether a property's `set_by` names a configuration (anything else was set directly). */
export function isConfigurationOwner(setBy: string): boolean {
  return setBy.startsWith(PREFIX);
}

/** Highest priority first; a tie goes to the newer configuration, then to the greater id. */
export function byPrecedence(a: Ranked, b: Ranked): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Each property the configurations set, with the one that wins it. */
export function winners(targeting: readonly Ranked[]): Map<string, { value: unknown; setBy: string }> {
  const won = new Map<string, { value: unknown; setBy: string }>();
  for (const configuration of [...targeting].sort(byPrecedence)) {
    for (const [name, value] of Object.entries(configuration.content)) {
      if (!won.has(name)) won.set(name, { value, setBy: ownerOf(configuration.id) });
    }
  }
  return won;
}

/**
 * What the configurations that target a device change in its desired document, property
 * by property (top-level):
 * - a property the configurations set takes the winner's value, unless it was set directly
 *   (by a PATCH: its `set_by` names no configuration), which wins over every configuration;
 * - a property a configuration set that no targeting configuration sets any more is
 *   removed (the device left the target, the configuration was deleted or dropped it).
 */
export function planDesired(view: DesiredView, targeting: readonly Ranked[]): DesiredEdit | undefined {
  const won = winners(targeting);
  const set = new Map<string, { value: unknown; setBy: string }>();
  const remove: string[] = [];
  for (const [name, winner] of won) {
    const present = Object.hasOwn(view.desired, name);
    const owner = view.owners.get(name);
    if (present && (owner === undefined || !isConfigurationOwner(owner))) continue;
    if (present && owner === winner.setBy && jsonEqual(view.desired[name], winner.value)) continue;
    set.set(name, winner);
  }
  for (const name of Object.keys(view.desired)) {
    const owner = view.owners.get(name);
    if (owner !== undefined && isConfigurationOwner(owner) && !won.has(name)) remove.push(name);
  }
  if (set.size === 0 && remove.length === 0) return undefined;
  return { set, remove };
}
