import type { Condition } from './condition-compiler.js';
import type { ConditionVariableProvider, ProvidedVariable } from './condition-environment.js';

/**
 * The providers of the variables other modules own, filled by the composition root; the
 * modules that evaluate conditions read them through this one object.
 */
export class ConditionVariableProviders {
  readonly #byVariable = new Map<ProvidedVariable, ConditionVariableProvider>();

  register(provider: ConditionVariableProvider): void {
    if (this.#byVariable.has(provider.variable))
      throw new Error(`${provider.variable} already has a provider`);
    this.#byVariable.set(provider.variable, provider);
  }

  has(variable: ProvidedVariable): boolean {
    return this.#byVariable.has(variable);
  }

  /**
   * The provided values a condition needs for a page of devices, by device id; nothing is
   * loaded for a variable the condition does not name.
   */
  async load(
    condition: Condition,
    tenantId: string,
    deviceIds: readonly string[],
  ): Promise<Map<string, Record<string, Readonly<Record<string, unknown>>>>> {
    return this.loadVariables(condition.variables, tenantId, deviceIds);
  }

  /** The provided values of the named variables (those of several conditions at once), by device id. */
  async loadVariables(
    variables: ReadonlySet<string>,
    tenantId: string,
    deviceIds: readonly string[],
  ): Promise<Map<string, Record<string, Readonly<Record<string, unknown>>>>> {
    const out = new Map<string, Record<string, Readonly<Record<string, unknown>>>>();
    for (const [variable, provider] of this.#byVariable) {
      if (!variables.has(variable) || deviceIds.length === 0) continue;
      const values = await provider.load(tenantId, deviceIds);
      for (const [id, value] of values) {
        let entry = out.get(id);
        if (entry === undefined) {
          entry = {};
          out.set(id, entry);
        }
        entry[variable] = value;
      }
    }
    return out;
  }
}
