import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError, isAbort } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { CopyButton } from '../components/copy-button.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { SecretOnce } from '../components/secret-once.js';
import { formatDateTime } from '../format.js';
import type { CallbackSecret, DeviceTypeDetail } from '../types.js';
import { CodecEditor } from './codec-editor.js';

/** One device type: its settings, its codec with a try-it panel, and its Sigfox callbacks. */
export function DeviceTypePage({ api, typeId }: { readonly api: Api; readonly typeId: string }) {
  const path = `/v1/device-types/${encodeURIComponent(typeId)}`;
  const [type, setType] = useState<DeviceTypeDetail | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const stop = new AbortController();
    api
      .request<DeviceTypeDetail>('GET', path, { signal: stop.signal })
      .then((answer) => {
        setType(answer.body);
        setEtag(answer.etag);
      })
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api, path, generation]);

  const reload = () => setGeneration((value) => value + 1);

  return (
    <>
      <h1 tabIndex={-1}>
        Device type <span class="mono">{typeId}</span>
      </h1>
      <ProblemMessage error={error} />
      {type ? (
        <>
          <p>
            <Link href={`/devices?type=${encodeURIComponent(typeId)}`}>Devices of this type</Link>
          </p>
          <Settings api={api} path={path} type={type} etag={etag} onSaved={reload} />
          <CodecEditor api={api} typeId={typeId} codec={type.codec} onSaved={reload} />
          <SigfoxCallbacks api={api} typeId={typeId} />
        </>
      ) : error ? (
        <p>
          <Link href="/device-types">Back to the device types</Link>
        </p>
      ) : (
        <p aria-live="polite">Loading…</p>
      )}
    </>
  );
}

interface SettingsProps {
  readonly api: Api;
  readonly path: string;
  readonly type: DeviceTypeDetail;
  readonly etag: string | null;
  readonly onSaved: () => void;
}

/** Name, expected interval and capture settings, saved with If-Match. */
function Settings({ api, path, type, etag, onSaved }: SettingsProps) {
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function save(event: Event) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    const number = (name: string) => Number(fields.get(name));
    const interval = String(fields.get('interval') ?? '').trim();
    setError(null);
    setSaved(false);
    try {
      await api.patch(
        path,
        {
          name: String(fields.get('name') ?? '').trim(),
          expectedUplinkIntervalSeconds: interval === '' ? null : Number(interval),
          capture: {
            lateAfterSeconds: number('late'),
            sequenceBits: number('bits'),
            autoCreateDevices: fields.get('auto') === 'on',
            dedupWindowSeconds: number('dedup'),
          },
        },
        { headers: etag ? { 'if-match': etag } : {} },
      );
      setSaved(true);
      onSaved();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 412
          ? new ApiError(
              412,
              failure.code,
              'Someone changed this type since the page loaded; nothing was saved. Reload the page to see their change.',
              failure.requestId,
            )
          : failure,
      );
    }
  }

  return (
    <form class="card" onSubmit={save} aria-labelledby="settings-title">
      <div class="title-row">
        <h2 id="settings-title">Settings</h2>
        <span class="hint">
          version {type.version}, changed {formatDateTime(type.updatedAt)}
        </span>
      </div>
      <div class="form-grid">
        <div class="field">
          <label for="type-name">Name</label>
          <input id="type-name" name="name" defaultValue={type.name} required />
        </div>
        <div class="field">
          <label for="type-interval">Expected uplink every (s)</label>
          <input
            id="type-interval"
            name="interval"
            type="number"
            min={1}
            defaultValue={type.expectedUplinkIntervalSeconds?.toString() ?? ''}
            aria-describedby="interval-help"
          />
          <span id="interval-help" class="hint">
            Silent after twice this; empty for an hour.
          </span>
        </div>
        <div class="field">
          <label for="type-late">Late after (s)</label>
          <input
            id="type-late"
            name="late"
            type="number"
            min={0}
            defaultValue={String(type.capture.lateAfterSeconds)}
          />
        </div>
        <div class="field">
          <label for="type-dedup">Duplicate window (s)</label>
          <input
            id="type-dedup"
            name="dedup"
            type="number"
            min={1}
            defaultValue={String(type.capture.dedupWindowSeconds)}
          />
        </div>
        <div class="field">
          <label for="type-bits">Sequence number bits</label>
          <select id="type-bits" name="bits" defaultValue={String(type.capture.sequenceBits)}>
            {[8, 12, 16, 32].map((bits) => (
              <option key={bits} value={String(bits)}>
                {bits}
                {bits === 12 ? ' (Sigfox)' : ''}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" name="auto" defaultChecked={type.capture.autoCreateDevices} /> Create unknown
          devices on their first message
        </label>
      </div>
      <ProblemMessage error={error} id="settings-error" />
      {saved ? <p role="status">Settings saved.</p> : null}
      <button type="submit">Save settings</button>
    </form>
  );
}

/** The callback body of each Sigfox callback type (docs/SIGFOX.md). */
const TEMPLATES = {
  'DATA / UPLINK': `{
  "device": "{device}",
  "time": {time},
  "data": "{data}",
  "seqNumber": {seqNumber},
  "deviceTypeId": "{deviceTypeId}",
  "station": "{station}",
  "rssi": {rssi},
  "snr": {snr},
  "avgSnr": {avgSnr},
  "lat": {lat},
  "lng": {lng},
  "duplicate": {duplicate}
}`,
  'DATA / BIDIR': `{
  "device": "{device}",
  "time": {time},
  "data": "{data}",
  "seqNumber": {seqNumber},
  "deviceTypeId": "{deviceTypeId}",
  "station": "{station}",
  "rssi": {rssi},
  "snr": {snr},
  "avgSnr": {avgSnr},
  "lat": {lat},
  "lng": {lng},
  "duplicate": {duplicate},
  "ack": {ack},
  "longPolling": {longPolling}
}`,
  'DATA ADVANCED': `{
  "device": "{device}",
  "time": {time},
  "data": "{data}",
  "seqNumber": {seqNumber},
  "deviceTypeId": "{deviceTypeId}",
  "lqi": "{lqi}",
  "linkQuality": "{linkQuality}",
  "duplicates": {duplicates},
  "computedLocation": {computedLocation}
}`,
} as const;
type CallbackKind = keyof typeof TEMPLATES;

/** Callback secrets of the type, and the Sigfox backend's custom callback, ready to paste. */
function SigfoxCallbacks({ api, typeId }: { readonly api: Api; readonly typeId: string }) {
  const path = `/v1/device-types/${encodeURIComponent(typeId)}/callback-secrets`;
  const [secrets, setSecrets] = useState<readonly CallbackSecret[] | null>(null);
  const [created, setCreated] = useState<CallbackSecret | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [kind, setKind] = useState<CallbackKind>('DATA / UPLINK');

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<{ items: CallbackSecret[] }>(path, undefined, stop.signal)
      .then((page) => setSecrets(page.items))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api, path]);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    setError(null);
    try {
      const secret = await api.post<CallbackSecret>(path, name ? { name } : {});
      const { secret: _shown, ...listed } = secret;
      setSecrets((known) => [...(known ?? []), listed]);
      setCreated(secret);
      form.reset();
    } catch (failure) {
      setError(failure);
    }
  }

  async function revoke(secret: CallbackSecret) {
    setError(null);
    try {
      await api.delete(`${path}/${encodeURIComponent(secret.id)}`);
      setSecrets((known) => (known ?? []).filter((item) => item.id !== secret.id));
    } catch (failure) {
      setError(failure);
    }
  }

  const url = `${location.origin}/v1/callbacks/sigfox/${encodeURIComponent(typeId)}`;
  const secretText = created?.secret ?? 'fpc_… (a secret of this type)';
  const rows: ReadonlyArray<readonly [string, string]> = [
    ['Type', kind],
    ['Channel', 'URL'],
    ['Url pattern', url],
    ['Use HTTP Method', 'POST'],
    ['Headers', `X-Fleetport-Secret: ${secretText}`],
    ['Content type', 'application/json'],
  ];
  return (
    <section class="card" aria-labelledby="sigfox-title">
      <h2 id="sigfox-title">Sigfox callbacks</h2>
      <ProblemMessage error={error} />
      {created?.secret ? (
        <SecretOnce
          label={`Callback secret ${created.name || created.id}`}
          secret={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <h3>Callback secrets</h3>
      {secrets === null ? (
        <p aria-live="polite">Loading…</p>
      ) : secrets.length === 0 ? (
        <p class="muted">No callback secrets: the Sigfox backend cannot deliver yet.</p>
      ) : (
        <ul class="plain-list">
          {secrets.map((secret) => (
            <li key={secret.id}>
              <span>
                {secret.name || secret.id}{' '}
                <span class="muted">(created {formatDateTime(secret.createdAt)})</span>
              </span>{' '}
              <ConfirmButton
                label="Revoke"
                subject={`callback secret ${secret.name || secret.id}`}
                onConfirm={() => revoke(secret)}
              />
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form" onSubmit={create} aria-label="New callback secret">
        <div class="field">
          <label for="secret-name">Secret name</label>
          <input id="secret-name" name="name" autoComplete="off" placeholder="sigfox backend" />
        </div>
        <button type="submit">Create secret</button>
      </form>

      <h3>Custom callback in the Sigfox backend</h3>
      <p class="hint">
        Device type → Callbacks → New → Custom callback, with these values. Tick “Send duplicate” so that
        every base station's reception is recorded.
      </p>
      <div class="field inline">
        <label for="callback-kind">Callback type</label>
        <select
          id="callback-kind"
          value={kind}
          onChange={(event) => setKind(event.currentTarget.value as CallbackKind)}
        >
          {Object.keys(TEMPLATES).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <dl class="properties callback-config" data-testid="callback-config">
        {rows.map(([name, value]) => (
          <div class="pair" key={name}>
            <dt>{name}</dt>
            <dd>
              <code>{value}</code> <CopyButton text={value} what={name} />
            </dd>
          </div>
        ))}
        <div class="pair">
          <dt>Body</dt>
          <dd>
            <pre class="code" data-testid="callback-body">
              {TEMPLATES[kind]}
            </pre>
            <CopyButton text={TEMPLATES[kind]} what="Body" />
          </dd>
        </div>
      </dl>
    </section>
  );
}
