import type { Contract } from '@fleetport/sdk';
import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { useLoad } from '../components/use-load.js';
import { formatDateTime, formatNumber } from '../format.js';
import { ok, typed } from '../sdk.js';

/**
 * Network contracts: tokens used and free, the period and its warning, the devices each
 * one holds (assign by id, take one off); a form to make one.
 */
export function Contracts({ api }: { readonly api: Api }) {
  const client = typed(api);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const contracts = useLoad(
    async (signal) => {
      const items: Contract[] = [];
      let cursor: string | undefined;
      do {
        const page = await ok(
          client.GET('/v1/contracts', {
            params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
            signal,
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
    [client],
  );

  const replace = (contract: Contract) =>
    contracts.set((items) => items?.map((item) => (item.id === contract.id ? contract : item)) ?? null);

  async function remove(contract: Contract) {
    setError(null);
    try {
      await ok(
        client.DELETE('/v1/contracts/{contractId}', { params: { path: { contractId: contract.id } } }),
      );
      contracts.set((items) => items?.filter((item) => item.id !== contract.id) ?? null);
    } catch (failure) {
      setError(failure);
    }
  }

  const items = contracts.value;
  return (
    <>
      <h1 tabIndex={-1}>Network contracts</h1>
      <ProblemMessage error={contracts.error ?? error} />
      <section class="card" aria-labelledby="contracts-title">
        <h2 id="contracts-title">Contracts</h2>
        {items === null ? (
          contracts.error ? null : (
            <p aria-live="polite">Loading…</p>
          )
        ) : items.length === 0 ? (
          <p class="muted">No contracts yet.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Contract</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Period</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((contract) => (
                  <ContractRow
                    key={contract.id}
                    api={api}
                    contract={contract}
                    open={open === contract.id}
                    onToggle={() => setOpen((current) => (current === contract.id ? null : contract.id))}
                    onChanged={replace}
                    onDelete={() => remove(contract)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NewContract api={api} onCreated={(contract) => contracts.set((list) => [...(list ?? []), contract])} />
    </>
  );
}

function ContractRow({
  api,
  contract,
  open,
  onToggle,
  onChanged,
  onDelete,
}: {
  readonly api: Api;
  readonly contract: Contract;
  readonly open: boolean;
  readonly onToggle: () => void;
  readonly onChanged: (contract: Contract) => void;
  readonly onDelete: () => Promise<void>;
}) {
  const label = contract.name || contract.id;
  const low = contract.free <= contract.lowTokens;
  return (
    <>
      <tr data-contract-id={contract.id}>
        <td>
          <strong>{label}</strong>
          <div class="muted">
            {contract.provider} · <span class="mono">{contract.id}</span>
          </div>
        </td>
        <td>
          <meter
            min={0}
            max={Math.max(contract.tokens, 1)}
            value={contract.used}
            aria-label={`Tokens used of ${label}`}
          />
          <div class={low ? 'warn' : 'muted'} data-testid="contract-tokens">
            {formatNumber(contract.used)} used of {formatNumber(contract.tokens)},{' '}
            {formatNumber(contract.free)} free
            {low ? ' (low)' : ''}
          </div>
        </td>
        <td>
          {formatDateTime(contract.startsAt)} to {formatDateTime(contract.endsAt)}
          <div class="muted">
            {contract.endedAt
              ? `ended ${formatDateTime(contract.endedAt)}`
              : contract.endingWarnedAt
                ? 'ending soon'
                : `warns ${contract.warnDays} days before`}
          </div>
        </td>
        <td class="actions">
          <button
            type="button"
            class="secondary"
            aria-expanded={open}
            aria-label={`Devices of ${label}`}
            onClick={onToggle}
          >
            Devices
          </button>
          <ConfirmButton label="Delete" subject={`contract ${label}`} onConfirm={onDelete} />
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={4}>
            <ContractDevices api={api} contract={contract} label={label} onChanged={onChanged} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function ContractDevices({
  api,
  contract,
  label,
  onChanged,
}: {
  readonly api: Api;
  readonly contract: Contract;
  readonly label: string;
  readonly onChanged: (contract: Contract) => void;
}) {
  const client = typed(api);
  const path = { contractId: contract.id };
  const [error, setError] = useState<unknown>(null);
  const devices = useLoad(
    (signal) =>
      ok(
        client.GET('/v1/contracts/{contractId}/devices', { params: { path, query: { limit: 500 } }, signal }),
      ),
    [client, contract.id, contract.used],
  );

  async function assign(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const deviceIds = String(new FormData(form).get('deviceIds') ?? '')
      .split(/[\s,]+/)
      .filter((id) => id !== '');
    setError(null);
    try {
      onChanged(
        await ok(
          client.POST('/v1/contracts/{contractId}/devices', { params: { path }, body: { deviceIds } }),
        ),
      );
      form.reset();
    } catch (failure) {
      setError(failure);
    }
  }

  async function unassign(deviceId: string) {
    setError(null);
    try {
      await ok(
        client.DELETE('/v1/contracts/{contractId}/devices/{deviceId}', {
          params: { path: { ...path, deviceId } },
        }),
      );
      const fresh = await ok(client.GET('/v1/contracts/{contractId}', { params: { path } }));
      onChanged(fresh);
    } catch (failure) {
      setError(failure);
    }
  }

  const fieldId = `assign-${contract.id}`;
  const items = devices.value?.items;
  return (
    <section class="history" aria-label={`Devices of ${label}`}>
      <ProblemMessage error={devices.error} />
      {items === undefined ? null : items.length === 0 ? (
        <p class="muted">No devices on this contract.</p>
      ) : (
        <ul class="plain-list">
          {items.map((item) => (
            <li key={item.deviceId} data-device-id={item.deviceId}>
              <span>
                <Link href={`/devices/${encodeURIComponent(item.deviceId)}`}>{item.deviceId}</Link>{' '}
                <span class="muted">since {formatDateTime(item.assignedAt)}</span>
              </span>
              <button
                type="button"
                class="secondary"
                aria-label={`Take ${item.deviceId} off ${label}`}
                onClick={() => unassign(item.deviceId)}
              >
                Take off
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form" onSubmit={assign}>
        <div class="field wide">
          <label for={fieldId}>Assign devices (ids, separated by spaces or commas)</label>
          <input
            id={fieldId}
            name="deviceIds"
            class="mono"
            autoComplete="off"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${fieldId}-error` : undefined}
          />
        </div>
        <button type="submit">Assign</button>
        <ProblemMessage error={error} id={`${fieldId}-error`} />
      </form>
    </section>
  );
}

const dayStart = (date: string) => new Date(`${date}T00:00:00`).toISOString();

function NewContract({
  api,
  onCreated,
}: {
  readonly api: Api;
  readonly onCreated: (contract: Contract) => void;
}) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    setError(null);
    try {
      const contract = await ok(
        client.POST('/v1/contracts', {
          body: {
            ...(text('name') ? { name: text('name') } : {}),
            provider: text('provider'),
            tokens: Number(text('tokens')),
            ...(text('lowTokens') ? { lowTokens: Number(text('lowTokens')) } : {}),
            ...(text('warnDays') ? { warnDays: Number(text('warnDays')) } : {}),
            startsAt: text('startsAt') ? dayStart(text('startsAt')) : '',
            endsAt: text('endsAt') ? dayStart(text('endsAt')) : '',
          },
        }),
      );
      onCreated(contract);
      form.reset();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form class="card" onSubmit={create} aria-labelledby="new-contract-title">
      <h2 id="new-contract-title">New contract</h2>
      <div class="form-grid">
        <div class="field">
          <label for="contract-name">Name</label>
          <input id="contract-name" name="name" autoComplete="off" placeholder="Atlas 2027" />
        </div>
        <div class="field">
          <label for="contract-provider">Provider</label>
          <input id="contract-provider" name="provider" autoComplete="off" value="sigfox" />
        </div>
        <div class="field">
          <label for="contract-tokens">Tokens</label>
          <input id="contract-tokens" name="tokens" type="number" min="0" step="1" />
        </div>
        <div class="field">
          <label for="contract-low">Warn at free tokens</label>
          <input id="contract-low" name="lowTokens" type="number" min="0" step="1" placeholder="0" />
        </div>
        <div class="field">
          <label for="contract-starts">Starts on</label>
          <input id="contract-starts" name="startsAt" type="date" />
        </div>
        <div class="field">
          <label for="contract-ends">Ends on</label>
          <input id="contract-ends" name="endsAt" type="date" />
        </div>
        <div class="field">
          <label for="contract-warn">Warn days before the end</label>
          <input id="contract-warn" name="warnDays" type="number" min="0" step="1" placeholder="30" />
        </div>
      </div>
      <button type="submit">Create contract</button>
      <ProblemMessage error={error} id="contract-error" />
    </form>
  );
}
