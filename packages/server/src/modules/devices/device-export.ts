import { Readable } from 'node:stream';
import type { Store } from '../../store/store.js';
import type { Device } from './device-schemas.js';
import { presentDevice } from './device-service.js';
import { type DeviceFilter, listDevices } from './device-store.js';

export type ExportFormat = 'csv' | 'ndjson';

const PAGE = 1000;
const CSV_COLUMNS = [
  'id',
  'typeId',
  'name',
  'tags',
  'attributes',
  'version',
  'createdAt',
  'updatedAt',
  'deletedAt',
] as const;

/**
 * Cells a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+`, `-`, `@`, or after a tab
 * or CR), and cells that begin with the quote itself, get a leading `'`: spreadsheets show
 * the text as it is, and import takes one leading quote off, so exports still round-trip.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(device: Device): string {
  return `${CSV_COLUMNS.map((column) => csvCell(device[column])).join(',')}\n`;
}

/**
 * Streams a tenant's devices page by page (keyset on id), so memory stays flat whatever
 * the fleet size. CSV and NDJSON exports can be imported again as they are.
 */
export function exportDevices(
  store: Store,
  tenantId: string,
  filter: DeviceFilter,
  format: ExportFormat,
): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\n`;
    let after: string | undefined;
    for (;;) {
      const rows = await listDevices(store, tenantId, filter, { after, limit: PAGE });
      if (rows.length === 0) return;
      let chunk = '';
      for (const row of rows) {
        const device = presentDevice(row);
        chunk += format === 'csv' ? csvLine(device) : `${JSON.stringify(device)}\n`;
      }
      yield chunk;
      if (rows.length < PAGE) return;
      after = rows.at(-1)?.id;
    }
  }
  return Readable.from(lines());
}
