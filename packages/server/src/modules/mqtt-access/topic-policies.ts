import { AppError, type Clock, notFound, prefixedId } from '../../kernel/index.js';
import { isValidTopicFilter } from '../../mqtt/index.js';
import { guarded, type Store } from '../../store/store.js';
import type { TopicPolicy, TopicPolicyInput } from './mqtt-schemas.js';
import type { TopicRule } from './topic-rules.js';

/** The table of migration 0006, as Kysely sees it. */
type PolicyTables = {
  mqtt_topic_policies: {
    tenant_id: string;
    id: string;
    effect: string;
    action: string;
    filter: string;
    principal: string | null;
    description: string | null;
    created_at: number | string;
  };
};

type PolicyRow = PolicyTables['mqtt_topic_policies'];

/** How long a tenant's rules are trusted without reading them again (other processes' writes). */
const TTL_MS = 5_000;
/** A tenant's policy stays small enough to evaluate on every publish. */
export const MAX_POLICIES_PER_TENANT = 200;

export interface TopicPolicyDeps {
  readonly store: Store;
  readonly clock: Clock;
}

function present(row: PolicyRow): TopicPolicy {
  return {
    id: row.id,
    effect: row.effect as TopicPolicy['effect'],
    action: row.action as TopicPolicy['action'],
    filter: row.filter,
    principal: row.principal as TopicPolicy['principal'],
    description: row.description,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

function toRule(policy: TopicPolicy): TopicRule {
  return {
    effect: policy.effect,
    action: policy.action,
    filter: policy.filter,
    ...(policy.principal === null ? {} : { principal: policy.principal }),
  };
}

/**
 * A tenant's MQTT topic policies: stored rows, and the rules the broker's hooks evaluate
 * on every publish and subscribe, cached per tenant. A write in this process drops the
 * tenant's cache at once; other processes see it within the TTL.
 */
export class TopicPolicies {
  readonly #deps: TopicPolicyDeps;
  readonly #cache = new Map<string, { rules: readonly TopicRule[]; loadedAt: number }>();

  constructor(deps: TopicPolicyDeps) {
    this.#deps = deps;
  }

  #db() {
    return this.#deps.store.db.withTables<PolicyTables>();
  }

  /** The tenant's policies, oldest first. */
  async list(tenantId: string): Promise<TopicPolicy[]> {
    const rows = await guarded(this.#deps.store, () =>
      this.#db()
        .selectFrom('mqtt_topic_policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map(present);
  }

  /** One policy of the tenant; `not_found` for another tenant's. */
  async get(tenantId: string, id: string): Promise<TopicPolicy> {
    const row = await guarded(this.#deps.store, () =>
      this.#db()
        .selectFrom('mqtt_topic_policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (!row) throw notFound('mqtt topic policy', id);
    return present(row);
  }

  /** Adds a policy; refuses a filter that is not a valid MQTT filter. */
  async create(tenantId: string, input: TopicPolicyInput): Promise<TopicPolicy> {
    if (!isValidTopicFilter(input.filter) || input.filter.startsWith('$share/')) {
      throw new AppError('validation_failed', `'${input.filter}' is not a valid MQTT topic filter`, {
        field: 'filter',
      });
    }
    const count = await guarded(this.#deps.store, () =>
      this.#db()
        .selectFrom('mqtt_topic_policies')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow(),
    );
    if (Number(count.n) >= MAX_POLICIES_PER_TENANT) {
      throw new AppError('conflict', `a tenant has at most ${MAX_POLICIES_PER_TENANT} topic policies`, {
        limit: MAX_POLICIES_PER_TENANT,
      });
    }
    const row: PolicyRow = {
      tenant_id: tenantId,
      id: prefixedId('pol'),
      effect: input.effect,
      action: input.action,
      filter: input.filter,
      principal: input.principal ?? null,
      description: input.description ?? null,
      created_at: this.#deps.clock.now(),
    };
    await guarded(this.#deps.store, () => this.#db().insertInto('mqtt_topic_policies').values(row).execute());
    this.#cache.delete(tenantId);
    return present(row);
  }

  /** Removes a policy; `not_found` when the tenant has no such policy. */
  async remove(tenantId: string, id: string): Promise<void> {
    const result = await guarded(this.#deps.store, () =>
      this.#db()
        .deleteFrom('mqtt_topic_policies')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    this.#cache.delete(tenantId);
    if (Number(result.numDeletedRows) === 0) throw notFound('mqtt topic policy', id);
  }

  /**
   * The rules the hooks evaluate, cached for a few seconds: devices publish often, so a
   * fresh cache answers synchronously.
   */
  rules(tenantId: string): readonly TopicRule[] | Promise<readonly TopicRule[]> {
    const hit = this.#cache.get(tenantId);
    if (hit && this.#deps.clock.now() - hit.loadedAt < TTL_MS) return hit.rules;
    return this.#load(tenantId);
  }

  async #load(tenantId: string): Promise<readonly TopicRule[]> {
    const loadedAt = this.#deps.clock.now();
    const rules = (await this.list(tenantId)).map(toRule);
    this.#cache.set(tenantId, { rules, loadedAt });
    return rules;
  }
}
