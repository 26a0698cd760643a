import {
  appendChanges,
  type ChangeEntry,
  type ChangeKind,
  type CommitWithCursor,
  type FeedBatch,
  type FeedChange,
  type FeedConsumer,
  type FeedConsumerDeps,
  followChanges,
} from '../changes/index.js';
import type { AlertService, ClearAlert, RaiseAlert } from './alert-service.js';
import { PLATFORM_ALERT_TYPES } from './alerts-events.js';

/** The feed consumer that turns lifecycle warnings into alerts; its cursors are stored under this name. */
export const LIFECYCLE_ALERTS_CONSUMER = 'alerts.lifecycle';

const FOLLOWED = [
  'contract.ending',
  'contract.tokens_low',
  'contract.updated',
  'contract.devices_changed',
  'contract.deleted',
  'contract.ended',
  'subscription.ending',
  'subscription.changed',
  'subscription.deleted',
  'subscription.ended',
] as const satisfies readonly ChangeKind[];

type Data = Readonly<Record<string, unknown>>;
const SOURCE = 'lifecycle';
const { contractEnding, contractTokensLow, subscriptionEnding } = PLATFORM_ALERT_TYPES;

function tokensAboveLow(data: Data): boolean {
  return typeof data.free === 'number' && typeof data.lowTokens === 'number' && data.free > data.lowTokens;
}

/** What one lifecycle change asks of alerts: raise, clear, or nothing. */
export function alertsOfChange(change: Pick<FeedChange, 'kind' | 'entityId' | 'data' | 'at'>): {
  raise?: RaiseAlert;
  clear?: ClearAlert[];
} {
  const data = (typeof change.data === 'object' && change.data !== null ? change.data : {}) as Data;
  const at = change.at;
  const contract = { subject: change.entityId, source: SOURCE, at };
  const device = { deviceId: change.entityId, source: SOURCE, at };
  switch (change.kind) {
    case 'contract.ending':
      return {
        raise: {
          ...contract,
          type: contractEnding,
          severity: 'warning',
          message: `contract '${String(data.name ?? change.entityId)}' ends at ${String(data.endsAt)}`,
          details: data,
        },
      };
    case 'contract.tokens_low':
      return {
        raise: {
          ...contract,
          type: contractTokensLow,
          severity: 'major',
          message: `contract '${String(data.name ?? change.entityId)}' has ${String(data.free)} free tokens left`,
          details: data,
        },
      };
    case 'contract.updated': {
      const clear: ClearAlert[] = [];
      // The end moved beyond its warning: the warning is re-armed, the alert goes.
      if (data.endingWarnedAt === null)
        clear.push({ ...contract, type: contractEnding, reason: 'the end moved' });
      if (tokensAboveLow(data))
        clear.push({ ...contract, type: contractTokensLow, reason: `${data.free} free tokens` });
      return { clear };
    }
    // Devices unassigned or moved to another contract free tokens.
    case 'contract.devices_changed':
      return tokensAboveLow(data)
        ? { clear: [{ ...contract, type: contractTokensLow, reason: `${data.free} free tokens` }] }
        : {};
    case 'contract.deleted':
      return {
        clear: [
          { ...contract, type: contractEnding, reason: 'the contract was deleted' },
          { ...contract, type: contractTokensLow, reason: 'the contract was deleted' },
        ],
      };
    case 'contract.ended':
      return { clear: [{ ...contract, type: contractEnding, reason: 'the contract ended' }] };
    case 'subscription.ending':
      return {
        raise: {
          ...device,
          type: subscriptionEnding,
          severity: 'warning',
          message: `subscription '${String(data.plan)}' ends at ${String(data.endsAt)}`,
          details: data,
        },
      };
    case 'subscription.changed':
      return data.endingWarnedAt === null
        ? { clear: [{ ...device, type: subscriptionEnding, reason: 'the end moved' }] }
        : {};
    case 'subscription.deleted':
      return { clear: [{ ...device, type: subscriptionEnding, reason: 'the subscription was deleted' }] };
    case 'subscription.ended':
      return { clear: [{ ...device, type: subscriptionEnding, reason: 'the subscription ended' }] };
    default:
      return {};
  }
}

/**
 * Follows the lifecycle's warnings (`contract.ending`, `contract.tokens_low`,
 * `subscription.ending`) and the changes that make them moot, durably
 * (`alerts.lifecycle`), and raises or clears the alerts in the transaction that moves its
 * cursor: each warning makes its alert once, across restarts. The lifecycle module knows
 * nothing of alerts.
 */
export class LifecycleAlerts {
  readonly #deps: FeedConsumerDeps;
  readonly #alerts: AlertService;
  #consumer: FeedConsumer | undefined;

  constructor(deps: FeedConsumerDeps, alerts: AlertService) {
    this.#deps = deps;
    this.#alerts = alerts;
  }

  start(options: { readonly pollMs?: number } = {}): void {
    if (this.#consumer) return;
    this.#consumer = followChanges(
      this.#deps,
      LIFECYCLE_ALERTS_CONSUMER,
      { kinds: [...FOLLOWED] },
      { effects: 'once', handle: (batch, commit) => this.#handle(batch, commit) },
      { batchSize: 500, ...options },
    );
  }

  /** Resolves once every change committed before the call was looked at. */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const wanted = batch.changes.map(alertsOfChange).filter((w) => w.raise || (w.clear?.length ?? 0) > 0);
    if (wanted.length === 0) return;
    const { tenantId } = batch;
    let position = 0;
    await commit(async (tx) => {
      const entries: ChangeEntry[] = [];
      const within = { tx, record: (entry: ChangeEntry) => void entries.push(entry) };
      // In feed order: a warning and what made it moot in one batch end cleared.
      for (const want of wanted) {
        if (want.raise) await this.#alerts.raise(tenantId, [want.raise], within);
        if (want.clear) await this.#alerts.clear(tenantId, want.clear, within);
      }
      position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, this.#deps.clock.now()) : 0;
    });
    if (position > 0) this.#deps.bus.publish('changes.committed', { tenantId, position });
  }
}
