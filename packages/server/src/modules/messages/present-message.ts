import type { Selectable } from 'kysely';
import type { MessageTable, ReceptionTable } from '../../store/schema.js';
import type { MessageView, ReceptionView } from './message-schemas.js';

export type MessageRow = Selectable<MessageTable>;
export type ReceptionRow = Selectable<ReceptionTable>;

const iso = (ms: number) => new Date(ms).toISOString();

export function presentReception(row: ReceptionRow): ReceptionView {
  return {
    station: row.station,
    receivedAt: iso(row.received_at),
    rssi: row.rssi,
    snr: row.snr,
    lat: row.lat,
    lng: row.lng,
    extra: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** A stored message as the API shows it; receptions only when they were read. */
export function presentMessage(row: MessageRow, receptions?: readonly ReceptionRow[]): MessageView {
  return {
    id: row.id,
    deviceId: row.device_id,
    typeId: row.type_id,
    transport: row.transport as MessageView['transport'],
    receivedAt: iso(row.received_at),
    deviceTime: row.device_time === null ? null : iso(row.device_time),
    seq: row.seq === null ? null : Number(row.seq),
    messageId: row.message_id,
    payload: { hex: Buffer.from(row.payload).toString('hex'), size: row.payload.length },
    json: row.payload_json === null ? null : (JSON.parse(row.payload_json) as unknown),
    timeliness: row.timeliness as MessageView['timeliness'],
    outOfOrder: row.out_of_order === 1,
    sequenceEvent: row.sequence_event as MessageView['sequenceEvent'],
    storedAt: iso(row.stored_at),
    ...(receptions ? { receptions: receptions.map(presentReception) } : {}),
  };
}
