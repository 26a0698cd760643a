import { useRef, useState } from 'preact/hooks';
import { type Api, ApiError } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime } from '../format.js';
import type { Codec, CodecTestResult } from '../types.js';

const STARTER = `function decodeUplink(input) {
  // input.bytes: the payload's bytes; input.fPort; input.recvTime
  return { data: { temperature: input.bytes[0] / 2 } };
}
`;

/** "… (line 3, column 5)" in a codec's error: where to put the cursor. */
export function positionOf(text: string): { line: number; column: number } | undefined {
  const match = /\(line (\d+), column (\d+)\)/.exec(text);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
}

export interface CodecEditorProps {
  readonly api: Api;
  readonly typeId: string;
  readonly codec: Codec | null;
  readonly onSaved: () => void;
}

/**
 * A device type's codec: edited as text, tried on a payload with `POST /v1/codecs/test`
 * (the source in the editor, not the saved one, and nothing stored), then saved as a new
 * version. An error that names a line and column moves the cursor there.
 */
export function CodecEditor({ api, typeId, codec, onSaved }: CodecEditorProps) {
  const [kind, setKind] = useState<'javascript' | 'sigfox'>(codec?.kind ?? 'javascript');
  const [source, setSource] = useState(codec?.source ?? STARTER);
  const [hex, setHex] = useState('');
  const [fPort, setFPort] = useState('');
  const [result, setResult] = useState<CodecTestResult | null>(null);
  const [tryError, setTryError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editor = useRef<HTMLTextAreaElement>(null);
  const typePath = `/v1/device-types/${encodeURIComponent(typeId)}`;

  function goTo({ line, column }: { line: number; column: number }) {
    const element = editor.current;
    if (!element) return;
    const lines = element.value.split('\n');
    let offset = 0;
    for (let index = 0; index < line - 1 && index < lines.length; index += 1)
      offset += (lines[index]?.length ?? 0) + 1;
    offset += Math.max(0, column - 1);
    element.focus();
    element.setSelectionRange(offset, Math.min(element.value.length, offset + 1));
  }

  async function tryIt(event: Event) {
    event.preventDefault();
    setTryError(null);
    setResult(null);
    setBusy(true);
    try {
      const uplink: Record<string, unknown> = { bytes: hex.replace(/\s+/g, '') };
      if (fPort.trim() !== '') uplink.fPort = Number(fPort);
      setResult(await api.post<CodecTestResult>('/v1/codecs/test', { codec: { kind, source }, uplink }));
    } catch (failure) {
      setTryError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function save() {
    setSaveError(null);
    setSaved(null);
    try {
      const answer = await api.put<{ version: number }>(`${typePath}/codec`, { kind, source });
      setSaved(`Saved as version ${answer.version}: new messages are decoded with it.`);
      onSaved();
    } catch (failure) {
      setSaveError(failure);
    }
  }

  async function remove() {
    setSaveError(null);
    try {
      await api.delete(`${typePath}/codec`);
      setSaved('Codec removed: new messages are stored raw only.');
      onSaved();
    } catch (failure) {
      setSaveError(failure);
    }
  }

  const positioned = (text: string) => {
    const position = positionOf(text);
    return position ? (
      <button type="button" class="link-button" onClick={() => goTo(position)}>
        Go to line {position.line}, column {position.column}
      </button>
    ) : null;
  };
  const problemText = (error: unknown) => (error instanceof ApiError ? error.message : '');

  return (
    <section class="card" aria-labelledby="codec-title">
      <div class="title-row">
        <h2 id="codec-title">Codec</h2>
        <span class="hint">
          {codec
            ? `version ${codec.version}, saved ${formatDateTime(codec.updatedAt)}`
            : 'none: messages are stored raw'}
        </span>
      </div>
      <div class="codec-grid">
        <div class="stack">
          <div class="field inline">
            <label for="codec-kind">Kind</label>
            <select
              id="codec-kind"
              value={kind}
              onChange={(event) => setKind(event.currentTarget.value as 'javascript' | 'sigfox')}
            >
              <option value="javascript">JavaScript (TS013 decodeUplink)</option>
              <option value="sigfox">Sigfox payload grammar</option>
            </select>
          </div>
          <label for="codec-source">Source</label>
          <textarea
            id="codec-source"
            ref={editor}
            class="code"
            rows={16}
            spellcheck={false}
            value={source}
            onInput={(event) => setSource(event.currentTarget.value)}
            onKeyDown={(event) => {
              // Tab indents; Escape then Tab leaves the editor (keyboard users are not trapped).
              if (event.key !== 'Tab' || event.shiftKey || editor.current?.dataset.escaped === 'true') return;
              event.preventDefault();
              const element = event.currentTarget;
              const { selectionStart, selectionEnd } = element;
              element.setRangeText('  ', selectionStart, selectionEnd, 'end');
              setSource(element.value);
            }}
            onKeyUp={(event) => {
              const element = event.currentTarget;
              element.dataset.escaped = event.key === 'Escape' ? 'true' : 'false';
            }}
            aria-describedby="codec-help"
          />
          <p id="codec-help" class="hint">
            Tab indents; press Escape, then Tab, to leave the editor.
          </p>
          <ProblemMessage error={saveError} id="codec-save-error" />
          {positioned(problemText(saveError))}
          {saved ? <p role="status">{saved}</p> : null}
          <div class="actions">
            <button type="button" onClick={() => void save()}>
              Save codec
            </button>
            {codec ? <ConfirmButton label="Remove" subject="the codec" onConfirm={remove} /> : null}
          </div>
        </div>
        <form class="stack try-it" onSubmit={tryIt} aria-labelledby="try-title">
          <h3 id="try-title">Try it</h3>
          <div class="field">
            <label for="try-hex">Uplink payload (hex)</label>
            <input
              id="try-hex"
              value={hex}
              onInput={(event) => setHex(event.currentTarget.value)}
              autoComplete="off"
              spellcheck={false}
              placeholder="2b64"
            />
          </div>
          <div class="field narrow">
            <label for="try-fport">fPort</label>
            <input
              id="try-fport"
              type="number"
              min={0}
              max={255}
              value={fPort}
              onInput={(event) => setFPort(event.currentTarget.value)}
            />
          </div>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Decoding…' : 'Decode'}
            </button>
          </div>
          <ProblemMessage error={tryError} id="try-error" />
          {positioned(problemText(tryError))}
          {result ? (
            <div class="try-result" aria-live="polite" data-testid="try-result">
              {result.errors.length > 0 ? (
                <ul class="problems" aria-label="Errors">
                  {result.errors.map((error) => (
                    <li key={error}>
                      <span class="problem-inline">{error}</span> {positioned(error)}
                    </li>
                  ))}
                </ul>
              ) : null}
              {result.warnings.length > 0 ? (
                <ul aria-label="Warnings">
                  {result.warnings.map((warning) => (
                    <li key={warning} class="warn">
                      {warning}
                    </li>
                  ))}
                </ul>
              ) : null}
              {result.errors.length === 0 ? (
                <pre class="code" data-testid="decoded">
                  {JSON.stringify(result.data, null, 2)}
                </pre>
              ) : null}
            </div>
          ) : null}
        </form>
      </div>
    </section>
  );
}
