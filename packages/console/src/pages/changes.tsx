import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime, summarize } from '../format.js';
import { followStream, type StreamStatus } from '../stream.js';
import type { Change, Page } from '../types.js';
import { LiveBadge } from './overview.js';

const PAGE = 50;
/** The most changes the page holds; older ones leave the top as new ones follow. */
const KEEP = 1000;

/**
 * The tenant's change feed in commit order: a page at a time from a cursor, then, when
 * followed, every new change from the event stream, resuming after the last one shown.
 */
export function Changes({ api }: { readonly api: Api }) {
  const [since, setSince] = useState('0');
  const [changes, setChanges] = useState<readonly Change[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [following, setFollowing] = useState(false);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [open, setOpen] = useState<string | null>(null);
  const last = useRef<string | null>(null);

  async function load(from: string, append: boolean) {
    setError(null);
    try {
      const page = await api.get<Page<Change> & { nextCursor: string }>('/v1/changes', {
        since: from,
        limit: PAGE,
      });
      setChanges((known) => (append ? [...known, ...page.items] : page.items).slice(-KEEP));
      setNext(page.nextCursor);
      last.current = page.nextCursor;
    } catch (failure) {
      setError(failure);
    }
  }

  useEffect(() => {
    void load('0', false);
  }, [api]);

  useEffect(() => {
    if (!following) return;
    const stop = new AbortController();
    // The stream starts after the last change the page holds: nothing is missed or shown twice.
    void followStream({
      api,
      query: { since: last.current ?? 'latest' },
      onChange: (change) => {
        last.current = change.cursor;
        setNext(change.cursor);
        setChanges((known) => [...known, change].slice(-KEEP));
      },
      onStatus: setStatus,
      signal: stop.signal,
    }).catch((failure: unknown) => {
      if (!isAbort(failure)) setError(failure);
    });
    return () => stop.abort();
  }, [api, following]);

  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Change feed</h1>
        {following ? <LiveBadge status={status} /> : null}
      </div>
      <p class="hint">
        Every change of the tenant, in commit order, each once: what <code>GET /v1/changes</code> and{' '}
        <code>GET /v1/stream</code> give to applications.
      </p>
      <form
        class="card inline-form"
        aria-label="Read the feed from a cursor"
        onSubmit={(event) => {
          event.preventDefault();
          setFollowing(false);
          void load(since.trim() || '0', false);
        }}
      >
        <div class="field">
          <label for="feed-since">Start after cursor</label>
          <input
            id="feed-since"
            inputMode="numeric"
            value={since}
            onInput={(event) => setSince(event.currentTarget.value)}
            aria-describedby="feed-since-help"
          />
          <span id="feed-since-help" class="hint">
            0 for the beginning
          </span>
        </div>
        <button type="submit">Read</button>
        <label class="check">
          <input
            type="checkbox"
            checked={following}
            onChange={(event) => setFollowing(event.currentTarget.checked)}
          />{' '}
          Follow live
        </label>
      </form>
      <ProblemMessage error={error} />
      <section class="card" aria-labelledby="feed-title">
        <h2 id="feed-title">Changes</h2>
        {changes.length === 0 ? (
          <p class="muted">No changes after this cursor{following ? ' yet: new ones appear here' : ''}.</p>
        ) : (
          <div class="table-scroll">
            <table class="feed">
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Cursor
                  </th>
                  <th scope="col">At</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Entity</th>
                  <th scope="col">Data</th>
                </tr>
              </thead>
              <tbody aria-live={following ? 'polite' : 'off'}>
                {changes.map((change) => (
                  <tr key={change.cursor} data-cursor={change.cursor}>
                    <td class="num mono">{change.cursor}</td>
                    <td>{formatDateTime(change.at)}</td>
                    <td class="mono">{change.kind}</td>
                    <td class="mono">{change.entityId}</td>
                    <td class="decoded">
                      {open === change.cursor ? (
                        <pre class="code">{JSON.stringify(change.data, null, 2)}</pre>
                      ) : (
                        <code>{summarize(change.data)}</code>
                      )}{' '}
                      <button
                        type="button"
                        class="link-button"
                        aria-expanded={open === change.cursor}
                        onClick={() => setOpen(open === change.cursor ? null : change.cursor)}
                      >
                        {open === change.cursor ? 'Less' : 'All'}
                        <span class="visually-hidden"> data of change {change.cursor}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!following ? (
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={next === null}
              onClick={() => next !== null && void load(next, true)}
            >
              Next {PAGE}
            </button>
            <span class="hint" data-testid="feed-position">
              {changes.length} shown, next cursor {next ?? '—'}
            </span>
          </div>
        ) : null}
      </section>
    </>
  );
}
