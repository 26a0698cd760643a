import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, isAbort } from '../api.js';
import { DeviceRows } from '../components/device-rows.js';
import { ProblemMessage } from '../components/problem.js';
import { formatNumber } from '../format.js';
import { navigate } from '../router.js';
import type { Device, DeviceType, Page } from '../types.js';
import { DeviceTransfer } from './device-transfer.js';

const PAGE_SIZE = 500;

/** `site=paris fleet` → ['site=paris', 'fleet'] (the API's `tag` filter, ANDed). */
const parseTags = (text: string) => text.split(/[\s,]+/).filter((tag) => tag !== '');

/**
 * Devices, filtered by type and tags (in the URL, so a filtered list can be shared), loaded
 * a page at a time as the list scrolls; an exact id opens its device.
 */
export function Devices({ api, query }: { readonly api: Api; readonly query: URLSearchParams }) {
  const typeId = query.get('type') ?? '';
  const tags = query.getAll('tag');
  const filterKey = `${typeId}|${tags.join('&')}`;
  const [types, setTypes] = useState<readonly DeviceType[]>([]);
  const [devices, setDevices] = useState<readonly Device[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [idError, setIdError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const loadingRef = useRef(false);
  const generation = useRef(0);

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<Page<DeviceType>>('/v1/device-types', { limit: 1000 }, stop.signal)
      .then((page) => setTypes(page.items))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api]);

  const loadMore = useCallback(
    async (after: string | undefined, fresh: boolean) => {
      if (loadingRef.current && !fresh) return;
      const mine = ++generation.current;
      loadingRef.current = true;
      setLoading(true);
      try {
        const page = await api.get<Page<Device>>('/v1/devices', {
          limit: PAGE_SIZE,
          cursor: after,
          typeId: typeId || undefined,
          tag: tags,
        });
        if (mine !== generation.current) return;
        setDevices((loaded) => (fresh ? page.items : [...loaded, ...page.items]));
        setCursor(page.nextCursor);
        setError(null);
      } catch (failure) {
        if (mine === generation.current) setError(failure);
      } finally {
        if (mine === generation.current) {
          loadingRef.current = false;
          setLoading(false);
        }
      }
    },
    // The filter's values are read through filterKey.
    [api, filterKey],
  );

  useEffect(() => {
    setDevices([]);
    setCursor(undefined);
    void loadMore(undefined, true);
  }, [loadMore]);

  const onNearEnd = useCallback(() => {
    if (cursor && !loadingRef.current && !error) void loadMore(cursor, false);
  }, [cursor, error, loadMore]);

  function applyFilters(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    const type = String(form.get('type') ?? '');
    if (type) params.set('type', type);
    for (const tag of parseTags(String(form.get('tags') ?? ''))) params.append('tag', tag);
    const search = params.toString();
    navigate(search ? `/devices?${search}` : '/devices');
  }

  async function openById(event: Event) {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget as HTMLFormElement).get('id') ?? '').trim();
    if (id === '') return;
    setIdError(null);
    try {
      await api.get<Device>(`/v1/devices/${encodeURIComponent(id)}`);
      navigate(`/devices/${encodeURIComponent(id)}`);
    } catch (failure) {
      setIdError(
        failure instanceof ApiError && failure.code === 'not_found'
          ? new ApiError(404, failure.code, `No device has the id ${id}.`, failure.requestId)
          : failure,
      );
    }
  }

  const complete = cursor === null;
  return (
    <>
      <h1 tabIndex={-1}>Devices</h1>
      <div class="filters">
        <form class="card inline-form" onSubmit={openById} aria-label="Open a device by id">
          <div class="field">
            <label for="device-id">Device id</label>
            <input
              id="device-id"
              name="id"
              autoComplete="off"
              spellcheck={false}
              aria-describedby={idError ? 'device-id-error' : undefined}
              aria-invalid={idError ? true : undefined}
            />
          </div>
          <button type="submit">Open</button>
          <ProblemMessage error={idError} id="device-id-error" />
        </form>
        <form class="card inline-form" onSubmit={applyFilters} aria-label="Filter devices" key={filterKey}>
          <div class="field">
            <label for="type-filter">Type</label>
            <select id="type-filter" name="type" value={typeId}>
              <option value="">All types</option>
              {types.map((type) => (
                <option key={type.id} value={type.id}>
                  {type.name} ({type.id})
                </option>
              ))}
              {typeId && !types.some((type) => type.id === typeId) ? (
                <option value={typeId}>{typeId}</option>
              ) : null}
            </select>
          </div>
          <div class="field">
            <label for="tag-filter">Tags</label>
            <input
              id="tag-filter"
              name="tags"
              defaultValue={tags.join(' ')}
              placeholder="site=paris fleet"
              aria-describedby="tag-help"
              autoComplete="off"
              spellcheck={false}
            />
            <span id="tag-help" class="hint">
              key=value or key, separated by spaces; all must match
            </span>
          </div>
          <button type="submit">Filter</button>
        </form>
      </div>
      <DeviceTransfer
        api={api}
        types={types}
        filter={{ typeId: typeId || undefined, tag: tags }}
        onImported={() => void loadMore(undefined, true)}
      />
      <ProblemMessage error={error} />
      <p class="hint" aria-live="polite" data-testid="device-count">
        {devices.length === 0 && !loading && complete
          ? 'No devices match.'
          : `${formatNumber(devices.length)} devices${complete ? '' : ' loaded, more as you scroll'}`}
      </p>
      <DeviceRows devices={devices} complete={complete} onNearEnd={onNearEnd} />
      {!complete ? (
        <button
          type="button"
          class="secondary"
          disabled={loading}
          onClick={() => cursor && void loadMore(cursor, false)}
        >
          {loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </>
  );
}
