import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { type DecodedView, findDecodes, type MessageDecodeRow } from '../codecs/index.js';
import type { ConditionVariableProviders } from '../conditions/index.js';
import { getDevice } from '../devices/index.js';
import type { DeviceStateView, HistoryQuery, MessagePage, MessageView } from './message-schemas.js';
import {
  findDeviceState,
  findMessage,
  type HistoryKey,
  listDeviceMessages,
  listOpenGaps,
  listReceptions,
} from './message-store.js';
import { type MessageRow, presentMessage, type ReceptionRow } from './present-message.js';

export interface MessageDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
  /** Who supplies `reported` and `desired` to the export's device conditions. */
  readonly conditionVariables?: ConditionVariableProviders;
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---- cursors ------------------------------------------------------------------------

/**
 * Opaque history cursor: the last key of the previous page and the order it was read in,
 * so that a cursor of one order is refused by the other instead of skipping messages.
 */
export function encodeHistoryCursor(key: HistoryKey, order: 'asc' | 'desc'): string {
  return Buffer.from(JSON.stringify({ r: key.receivedAt, i: key.id, o: order })).toString('base64url');
}

export function decodeHistoryCursor(
  cursor: string | undefined,
  order: 'asc' | 'desc',
): HistoryKey | undefined {
  if (cursor === undefined) return undefined;
  const value = parseJson(Buffer.from(cursor, 'base64url').toString('utf8')) as {
    r?: unknown;
    i?: unknown;
    o?: unknown;
  } | null;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof value.r !== 'number' ||
    !Number.isSafeInteger(value.r) ||
    typeof value.i !== 'string' ||
    (value.o !== 'asc' && value.o !== 'desc')
  ) {
    throw new AppError('validation_failed', 'the cursor is not one this API returned', { field: 'cursor' });
  }
  if (value.o !== order) {
    throw new AppError(
      'validation_failed',
      `the cursor was returned for order=${value.o}; pass the same order`,
      {
        field: 'cursor',
      },
    );
  }
  return { receivedAt: value.r, id: value.i };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function parseInstant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new AppError('validation_failed', `${field} is not an RFC 3339 date-time`, { field });
  }
  return ms;
}

function withReceptions(rows: readonly MessageRow[], receptions: readonly ReceptionRow[]): MessageView[] {
  const byMessage = new Map<string, ReceptionRow[]>();
  for (const reception of receptions) {
    const list = byMessage.get(reception.message_id) ?? [];
    list.push(reception);
    byMessage.set(reception.message_id, list);
  }
  return rows.map((row) => presentMessage(row, byMessage.get(row.id) ?? []));
}

function presentDecoded(row: MessageDecodeRow): DecodedView {
  return {
    data: row.data === null ? null : (JSON.parse(row.data) as unknown),
    warnings: JSON.parse(row.warnings) as string[],
    errors: JSON.parse(row.errors) as string[],
    codecVersion: row.codec_version,
    decodedAt: iso(row.decoded_at),
  };
}

/** Adds each message's decode (null when it has none) to the presented messages. */
async function withDecoded(
  deps: MessageDeps,
  tenantId: string,
  views: MessageView[],
): Promise<MessageView[]> {
  const decodes = await findDecodes(
    deps.store,
    tenantId,
    views.map((view) => view.id),
  );
  const byMessage = new Map(decodes.map((row) => [row.message_id, row]));
  return views.map((view) => {
    const row = byMessage.get(view.id);
    return { ...view, decoded: row === undefined ? null : presentDecoded(row) };
  });
}

// ---- history ------------------------------------------------------------------------

/**
 * A page of a device's history in receive order. Keyset paging on `(received_at, id)`:
 * messages that arrive while a reader pages neither shift nor repeat what it reads.
 */
export async function listHistory(
  deps: MessageDeps,
  tenantId: string,
  deviceId: string,
  query: HistoryQuery,
): Promise<MessagePage> {
  const from = parseInstant(query.from, 'from');
  const to = parseInstant(query.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new AppError('validation_failed', 'from must not be after to', { field: 'from' });
  }
  const after = decodeHistoryCursor(query.cursor, query.order);
  await getDevice(deps, tenantId, deviceId, query.deleted === 'include');
  const rows = await listDeviceMessages(deps.store, tenantId, deviceId, {
    from,
    to,
    order: query.order,
    after,
    limit: query.limit,
  });
  const presented = query.receptions
    ? withReceptions(
        rows,
        await listReceptions(
          deps.store,
          tenantId,
          rows.map((r) => r.id),
        ),
      )
    : rows.map((row) => presentMessage(row));
  const items = await withDecoded(deps, tenantId, presented);
  const last = rows.at(-1);
  return {
    items,
    nextCursor:
      rows.length === query.limit && last
        ? encodeHistoryCursor({ receivedAt: last.received_at, id: last.id }, query.order)
        : null,
  };
}

async function loadMessage(
  deps: MessageDeps,
  tenantId: string,
  id: string,
): Promise<MessageView | undefined> {
  const row = await findMessage(deps.store, tenantId, id);
  if (!row) return undefined;
  const [view] = await withDecoded(deps, tenantId, [
    presentMessage(row, await listReceptions(deps.store, tenantId, [row.id])),
  ]);
  return view;
}

/** One message of the tenant with its receptions, by station. */
export async function getMessage(deps: MessageDeps, tenantId: string, id: string): Promise<MessageView> {
  // Ids are generated in lower case; the route accepts either.
  const message = await loadMessage(deps, tenantId, id.toLowerCase());
  if (!message) throw notFound('message', id);
  return message;
}

// ---- latest state -------------------------------------------------------------------

/**
 * What capture knows about a device now. A device that never sent anything has an empty
 * state, not a 404: it exists, it is just silent.
 */
export async function getDeviceState(
  deps: MessageDeps,
  tenantId: string,
  deviceId: string,
  includeDeleted: boolean,
): Promise<DeviceStateView> {
  await getDevice(deps, tenantId, deviceId, includeDeleted);
  const [state, gaps] = await Promise.all([
    findDeviceState(deps.store, tenantId, deviceId),
    listOpenGaps(deps.store, tenantId, deviceId),
  ]);
  const latest =
    state?.latest_message_id == null ? undefined : await loadMessage(deps, tenantId, state.latest_message_id);
  return {
    deviceId,
    lastSeenAt: state ? iso(Number(state.last_seen_at)) : null,
    lastMessageId: state?.last_message_id ?? null,
    latestMessage: latest ?? null,
    messageCount: Number(state?.message_count ?? 0),
    duplicateCount: Number(state?.duplicate_count ?? 0),
    outOfOrderCount: Number(state?.out_of_order_count ?? 0),
    sequence: {
      max: state?.seq_max == null ? null : Number(state.seq_max),
      resets: Number(state?.seq_resets ?? 0),
      openGaps: gaps.map((gap) => ({
        from: Number(gap.from_seq),
        to: Number(gap.to_seq),
        openedAt: iso(Number(gap.opened_at)),
      })),
    },
  };
}
