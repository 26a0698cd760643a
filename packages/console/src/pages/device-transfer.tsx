import { useState } from 'preact/hooks';
import { type Api, ApiError, type Query } from '../api.js';
import { ProblemMessage } from '../components/problem.js';
import { formatNumber } from '../format.js';
import type { DeviceType, ImportReport } from '../types.js';

export interface DeviceTransferProps {
  readonly api: Api;
  readonly types: readonly DeviceType[];
  /** The list's filters, which the export follows. */
  readonly filter: Query;
  /** Called after an import that created devices. */
  readonly onImported: () => void;
}

/** A file name's format, as the import route wants it. */
const formatOf = (name: string) => (/\.(nd)?jsonl?$/i.test(name) ? 'ndjson' : 'csv');

/** Bulk import from a CSV or NDJSON file with progress and a per-row report; export as a download. */
export function DeviceTransfer({ api, types, filter, onImported }: DeviceTransferProps) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [importError, setImportError] = useState<unknown>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  async function upload(event: Event) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    if (!file) {
      setImportError(new ApiError(0, 'missing_file', 'Choose a CSV or NDJSON file first.'));
      return;
    }
    const format = formatOf(file.name);
    const typeId = String(fields.get('typeId') ?? '');
    setImportError(null);
    setReport(null);
    setProgress(0);
    try {
      const answer = await api.upload<ImportReport>('/v1/devices/import', file, {
        contentType: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        query: {
          format,
          atomic: fields.get('atomic') === 'on' ? 'true' : undefined,
          typeId: typeId || undefined,
        },
        onProgress: setProgress,
      });
      setReport(answer);
      if (answer.created > 0) onImported();
    } catch (failure) {
      // An all-or-nothing import with a bad row is refused, its per-row report in the problem.
      if (failure instanceof ApiError && failure.code === 'import_rejected' && failure.data)
        setReport(failure.data as unknown as ImportReport);
      else setImportError(failure);
    } finally {
      setProgress(null);
    }
  }

  async function download(event: Event) {
    event.preventDefault();
    const format = String(new FormData(event.currentTarget as HTMLFormElement).get('format') ?? 'csv');
    setExportError(null);
    setExported(null);
    setExporting(true);
    try {
      const { blob, total } = await api.download('/v1/devices/export', { ...filter, format });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `devices-${new Date().toISOString().slice(0, 10)}.${format === 'csv' ? 'csv' : 'ndjson'}`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(`${formatNumber(total ?? 0)} devices exported as ${link.download}.`);
    } catch (failure) {
      setExportError(failure);
    } finally {
      setExporting(false);
    }
  }

  const uploading = progress !== null;
  return (
    <details class="card transfer">
      <summary>Import or export devices</summary>
      <div class="columns">
        <form onSubmit={upload} aria-label="Import devices" class="stack">
          <h2>Import</h2>
          <div class="field">
            <label for="import-file">CSV or NDJSON file</label>
            <input
              id="import-file"
              name="file"
              type="file"
              accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
              aria-describedby={importError ? 'import-error import-help' : 'import-help'}
              aria-invalid={importError ? true : undefined}
              onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
            />
            <span id="import-help" class="hint">
              CSV columns: <code>id</code>, <code>type</code>, <code>name</code>, <code>tag.&lt;key&gt;</code>
              , <code>attr.&lt;key&gt;</code>. An export imports as it is.
            </span>
          </div>
          <div class="field">
            <label for="import-type">Type for rows without one</label>
            <select id="import-type" name="typeId">
              <option value="">None: every row names its type</option>
              {types.map((type) => (
                <option key={type.id} value={type.id}>
                  {type.name} ({type.id})
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" name="atomic" /> All or nothing (one bad row and nothing is imported)
          </label>
          <ProblemMessage error={importError} id="import-error" />
          <div class="actions">
            <button type="submit" disabled={uploading}>
              {uploading ? 'Importing…' : 'Import'}
            </button>
          </div>
          {uploading ? (
            <div>
              <label for="import-progress">
                {progress < 1
                  ? `Uploading ${Math.round(progress * 100)} %`
                  : 'Checking and storing the rows…'}
              </label>
              {/* Indeterminate (no value) once every byte is sent and the server works through the rows. */}
              <progress id="import-progress" max={1} {...(progress < 1 ? { value: progress } : {})} />
            </div>
          ) : null}
          {report ? <ImportResult report={report} /> : null}
        </form>
        <form onSubmit={download} aria-label="Export devices" class="stack">
          <h2>Export</h2>
          <p class="hint">The devices the list shows (its type and tag filters), every one of them.</p>
          <div class="field">
            <label for="export-format">Format</label>
            <select id="export-format" name="format">
              <option value="csv">CSV</option>
              <option value="ndjson">NDJSON</option>
            </select>
          </div>
          <ProblemMessage error={exportError} />
          <div class="actions">
            <button type="submit" disabled={exporting}>
              {exporting ? 'Exporting…' : 'Export'}
            </button>
          </div>
          {exported ? (
            <p role="status" data-testid="export-done">
              {exported}
            </p>
          ) : null}
        </form>
      </div>
    </details>
  );
}

function ImportResult({ report }: { readonly report: ImportReport }) {
  const summary = report.committed
    ? `${formatNumber(report.created)} of ${formatNumber(report.received)} rows imported, ${formatNumber(report.failed)} refused.`
    : `Nothing imported: ${formatNumber(report.failed)} of ${formatNumber(report.received)} rows were refused (all or nothing).`;
  return (
    <div class="import-report" role="status" data-testid="import-report">
      <p class={report.failed > 0 ? 'problem' : ''}>{summary}</p>
      {report.errors.length > 0 ? (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Refused rows</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Line
                </th>
                <th scope="col">Id</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((error) => (
                <tr key={`${error.line}-${error.code}`}>
                  <td class="num">{error.line}</td>
                  <td class="mono">{error.id ?? '—'}</td>
                  <td>
                    {error.message} <span class="problem-code">({error.code})</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {report.errorsTruncated ? (
        <p class="hint">Only the first {report.errors.length} refusals are listed.</p>
      ) : null}
    </div>
  );
}
