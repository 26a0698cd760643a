import { guarded, type Store } from '../../store/store.js';
import type { ConditionVariableProvider, ProvidedVariable } from '../conditions/index.js';
import { readTwinDocuments } from './twin-store.js';

/**
 * `reported` and `desired` for conditions: the twin documents of a page of devices, one
 * query per document; a device without a twin gets nothing (an empty map to the condition).
 */
export function twinConditionProviders(store: Store): ConditionVariableProvider[] {
  const provider = (variable: ProvidedVariable): ConditionVariableProvider => ({
    variable,
    load: (tenantId, deviceIds) =>
      guarded(store, () => readTwinDocuments(store, tenantId, deviceIds, variable)),
  });
  return [provider('reported'), provider('desired')];
}
