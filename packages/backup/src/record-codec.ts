import { crc32 } from 'node:zlib';

/**
 * One stored request. The body is kept byte for byte; of the headers only what replaying
 * needs: the content type and the SHA-256 of the credential (never the credential itself,
 * so the backup's disk holds nothing a device or network server could be impersonated with).
 */
export interface StoredRequest {
  /** The log's sequence number: increases by one per record, never reused. */
  readonly seq: number;
  /** When the backup had read the whole request, Unix ms. */
  readonly receivedAt: number;
  readonly method: string;
  /** The path with its query string, as sent. */
  readonly path: string;
  readonly contentType: string | undefined;
  /** SHA-256 (hex) of the device token or callback secret the request carried. */
  readonly credentialSha256: string | undefined;
  readonly body: Buffer;
}

/** What a request brings before the log numbers it. */
export type IncomingRequest = Omit<StoredRequest, 'seq'>;

/*
 * A record on disk, all integers big-endian:
 *   magic    u32  'FPB1'
 *   length   u32  bytes of what follows the checksum
 *   crc32    u32  of the length field and the bytes that follow it
 *   seq      u64
 *   time     u64  receivedAt
 *   metaLen  u32
 *   meta     JSON {m, p, c?, a?}
 *   body     the rest
 * The magic lets a reader find the next record after damaged bytes; the checksum tells a
 * torn or damaged record from a whole one.
 */
export const RECORD_MAGIC = 0x46504231;
export const HEADER_BYTES = 12;
const FIXED_BYTES = 8 + 8 + 4;
/** Larger than any record the backup writes (bodies are limited far below): a bigger length is damage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

interface Meta {
  readonly m: string;
  readonly p: string;
  readonly c?: string;
  readonly a?: string;
}

/** The bytes of one record. */
export function encodeRecord(record: StoredRequest): Buffer {
  const meta: Meta = {
    m: record.method,
    p: record.path,
    ...(record.contentType !== undefined ? { c: record.contentType } : {}),
    ...(record.credentialSha256 !== undefined ? { a: record.credentialSha256 } : {}),
  };
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  const length = FIXED_BYTES + metaBytes.length + record.body.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + length);
  out.writeUInt32BE(RECORD_MAGIC, 0);
  out.writeUInt32BE(length, 4);
  out.writeBigUInt64BE(BigInt(record.seq), 12);
  out.writeBigUInt64BE(BigInt(record.receivedAt), 20);
  out.writeUInt32BE(metaBytes.length, 28);
  metaBytes.copy(out, 32);
  record.body.copy(out, 32 + metaBytes.length);
  out.writeUInt32BE(crc32(out.subarray(HEADER_BYTES), crc32(out.subarray(4, 8))), 8);
  return out;
}

/** What a reader finds at an offset. */
export type Decoded =
  | { readonly kind: 'record'; readonly record: StoredRequest; readonly bytes: number }
  /** The buffer ends inside the record: read more, or it is a torn tail. */
  | { readonly kind: 'short' }
  | { readonly kind: 'damaged'; readonly reason: string };

/** Decodes the record that starts at `offset` of `buffer`. */
export function decodeRecord(buffer: Buffer, offset: number): Decoded {
  if (buffer.length - offset < HEADER_BYTES) return { kind: 'short' };
  if (buffer.readUInt32BE(offset) !== RECORD_MAGIC) return { kind: 'damaged', reason: 'no record marker' };
  const length = buffer.readUInt32BE(offset + 4);
  if (length < FIXED_BYTES || length > MAX_RECORD_BYTES)
    return { kind: 'damaged', reason: `impossible record length ${length}` };
  const end = offset + HEADER_BYTES + length;
  if (end > buffer.length) return { kind: 'short' };
  const body = buffer.subarray(offset + HEADER_BYTES, end);
  const expected = buffer.readUInt32BE(offset + 8);
  if (crc32(body, crc32(buffer.subarray(offset + 4, offset + 8))) !== expected)
    return { kind: 'damaged', reason: 'checksum mismatch' };
  const metaLength = body.readUInt32BE(16);
  if (FIXED_BYTES + metaLength > length) return { kind: 'damaged', reason: 'impossible meta length' };
  let meta: Meta;
  try {
    meta = JSON.parse(body.subarray(FIXED_BYTES, FIXED_BYTES + metaLength).toString('utf8')) as Meta;
  } catch {
    return { kind: 'damaged', reason: 'unreadable meta' };
  }
  if (typeof meta?.m !== 'string' || typeof meta.p !== 'string')
    return { kind: 'damaged', reason: 'unreadable meta' };
  return {
    kind: 'record',
    bytes: HEADER_BYTES + length,
    record: {
      seq: Number(body.readBigUInt64BE(0)),
      receivedAt: Number(body.readBigUInt64BE(8)),
      method: meta.m,
      path: meta.p,
      contentType: typeof meta.c === 'string' ? meta.c : undefined,
      credentialSha256: typeof meta.a === 'string' ? meta.a : undefined,
      // A copy: the reader's buffer is reused for the next chunk.
      body: Buffer.from(body.subarray(FIXED_BYTES + metaLength)),
    },
  };
}

/**
 * The offset of the next whole record after damaged bytes at `from`, searching for the
 * marker; undefined when none follows within the buffer.
 */
export function nextRecordAfter(buffer: Buffer, from: number): number | undefined {
  const marker = Buffer.alloc(4);
  marker.writeUInt32BE(RECORD_MAGIC, 0);
  let at = buffer.indexOf(marker, from + 1);
  while (at !== -1) {
    if (decodeRecord(buffer, at).kind === 'record') return at;
    at = buffer.indexOf(marker, at + 1);
  }
  return undefined;
}
