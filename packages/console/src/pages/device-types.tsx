import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { navigate } from '../router.js';
import type { DeviceType, Page } from '../types.js';

/** The tenant's device types, and a form to make one. */
export function DeviceTypes({ api }: { readonly api: Api }) {
  const [types, setTypes] = useState<readonly DeviceType[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [createError, setCreateError] = useState<unknown>(null);

  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      const all: DeviceType[] = [];
      let cursor: string | undefined;
      do {
        const page: Page<DeviceType> = await api.get(
          '/v1/device-types',
          { limit: 1000, cursor },
          stop.signal,
        );
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      setTypes(all);
    })().catch((failure: unknown) => {
      if (!isAbort(failure)) setError(failure);
    });
    return () => stop.abort();
  }, [api]);

  async function create(event: Event) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    const id = String(fields.get('id') ?? '').trim();
    const interval = String(fields.get('interval') ?? '').trim();
    setCreateError(null);
    try {
      await api.post('/v1/device-types', {
        id,
        name: String(fields.get('name') ?? '').trim() || id,
        ...(interval ? { expectedUplinkIntervalSeconds: Number(interval) } : {}),
      });
      navigate(`/device-types/${encodeURIComponent(id)}`);
    } catch (failure) {
      setCreateError(failure);
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>Device types</h1>
      <ProblemMessage error={error} />
      <section class="card" aria-labelledby="types-title">
        <h2 id="types-title">Types</h2>
        {types === null ? (
          <p aria-live="polite">Loading…</p>
        ) : types.length === 0 ? (
          <p class="muted">No device types yet: make the first one below.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Name</th>
                  <th scope="col">Expected uplink every</th>
                  <th scope="col">Devices</th>
                </tr>
              </thead>
              <tbody>
                {types.map((type) => (
                  <tr key={type.id}>
                    <td class="mono">
                      <Link href={`/device-types/${encodeURIComponent(type.id)}`}>{type.id}</Link>
                    </td>
                    <td>{type.name}</td>
                    <td>
                      {type.expectedUplinkIntervalSeconds === null
                        ? '—'
                        : `${type.expectedUplinkIntervalSeconds} s`}
                    </td>
                    <td>
                      <Link href={`/devices?type=${encodeURIComponent(type.id)}`}>Devices of {type.id}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form class="card inline-form" onSubmit={create} aria-labelledby="new-type-title">
        <h2 id="new-type-title" class="full">
          New device type
        </h2>
        <div class="field">
          <label for="type-id">Id</label>
          <input
            id="type-id"
            name="id"
            required
            autoComplete="off"
            spellcheck={false}
            placeholder="tracker"
            aria-describedby={createError ? 'type-create-error' : undefined}
            aria-invalid={createError ? true : undefined}
          />
        </div>
        <div class="field">
          <label for="type-name">Name</label>
          <input id="type-name" name="name" autoComplete="off" placeholder="Sigfox tracker" />
        </div>
        <div class="field narrow">
          <label for="type-interval">Uplink every (s)</label>
          <input id="type-interval" name="interval" type="number" min={1} />
        </div>
        <button type="submit">Create</button>
        <ProblemMessage error={createError} id="type-create-error" />
      </form>
    </>
  );
}
