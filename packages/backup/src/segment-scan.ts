import type { FileHandle } from 'node:fs/promises';
import { decodeRecord, HEADER_BYTES, nextRecordAfter, type StoredRequest } from './record-codec.js';

/** What a scan of a segment meets, in file order. */
export type ScanItem =
  | {
      readonly kind: 'record';
      readonly record: StoredRequest;
      readonly offset: number;
      readonly bytes: number;
    }
  /** Bytes that are not a whole record: a torn write or damage; the scan goes on after them. */
  | { readonly kind: 'fault'; readonly offset: number; readonly bytes: number; readonly reason: string };

/** Bytes read at a time: segments are read in order, a chunk at a time. */
const CHUNK_BYTES = 1024 * 1024;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/**
 * The records and damaged ranges of a segment between `start` and `end`. Damage is skipped
 * by searching for the next record marker whose checksum holds, so one bad range never
 * hides the records after it.
 */
export async function* scanSegment(handle: FileHandle, start: number, end: number): AsyncGenerator<ScanItem> {
  let offset = start;
  let buffer: Buffer = Buffer.alloc(0);
  let bufferAt = start;
  while (offset < end) {
    const local = offset - bufferAt;
    let decoded =
      local >= 0 && local <= buffer.length ? decodeRecord(buffer, local) : ({ kind: 'short' } as const);
    if (decoded.kind === 'short') {
      if (local >= 0 && bufferAt + buffer.length >= end) {
        decoded = { kind: 'damaged', reason: 'the segment ends inside a record (a torn write)' };
      } else {
        let want = CHUNK_BYTES;
        if (local >= 0 && buffer.length - local >= HEADER_BYTES)
          want = Math.max(want, HEADER_BYTES + buffer.readUInt32BE(local + 4));
        buffer = await readAt(handle, offset, Math.min(want, end - offset));
        bufferAt = offset;
        continue;
      }
    }
    if (decoded.kind === 'record') {
      yield { kind: 'record', record: decoded.record, offset, bytes: decoded.bytes };
      offset += decoded.bytes;
      continue;
    }
    // Damage is rare: the rest of the segment is read at once to find where records resume.
    const rest = await readAt(handle, offset, end - offset);
    if (rest.length === 0) {
      yield { kind: 'fault', offset, bytes: end - offset, reason: 'the segment is shorter than it was' };
      return;
    }
    const next = nextRecordAfter(rest, 0) ?? rest.length;
    yield { kind: 'fault', offset, bytes: next, reason: decoded.reason };
    buffer = rest;
    bufferAt = offset;
    offset += next;
  }
}
