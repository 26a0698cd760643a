import type { Static } from 'typebox';
import { buildValidatorCompiler, parseJsonBody, toAppError } from '../../http/index.js';
import { AppError } from '../../kernel/errors.js';
import type { CallbackPrincipal, DevicePrincipal, Principal } from '../../kernel/principal.js';
import type { CaptureOutcome, CapturePipeline, Frame, TypeSettings } from '../capture/index.js';
import { IngestBody, ingestFrame } from '../capture/index.js';
import {
  isSigfoxUplink,
  parseSigfoxCallback,
  parseSigfoxForm,
  SigfoxCallbackBody,
  sigfoxFrame,
} from '../capture/sigfox/index.js';

/** One request as the backup kept it (`GET /records` of fleetport-backup). */
export interface BackupRecord {
  readonly id: string;
  readonly receivedAt: number;
  readonly method: string;
  readonly path: string;
  readonly contentType?: string | undefined;
  readonly credentialSha256?: string | undefined;
  /** The body, base64. */
  readonly body: string;
}

/** What replaying a record did: its messages, or why it was refused. */
export type RecordResult =
  | {
      readonly id: string;
      /** `new` when at least one message was stored now, `duplicate` when all were stored before. */
      readonly outcome: 'new' | 'duplicate';
      readonly messages: readonly { id: string; duplicate: boolean; timeliness: string }[];
    }
  | {
      readonly id: string;
      /** Not a message (a Sigfox SERVICE or ERROR callback): nothing to store. */
      readonly outcome: 'skipped';
      readonly reason: string;
    }
  | {
      readonly id: string;
      readonly outcome: 'refused';
      /** What the server would have answered the original request. */
      readonly problem: { readonly status: number; readonly code: string; readonly detail: string };
      /** Messages of a batch stored before one of them was refused (identity conflicts only). */
      readonly messages?: readonly { id: string; duplicate: boolean; timeliness: string }[];
    };

/** What replaying needs: capture, and the authentication of the original senders by hash. */
export interface ResyncDeps {
  readonly pipeline: CapturePipeline;
  readonly settings: TypeSettings;
  /** The live routes' body limit: a record larger than it would have been refused. */
  readonly bodyLimit: number;
  readonly now: () => number;
  readonly callbackByHash: (hash: string, typeId: string) => Promise<CallbackPrincipal>;
  readonly deviceByHash: (hash: string) => Promise<DevicePrincipal>;
  /** The Sigfox route's admission of a callback's device (created when its type says so). */
  readonly admitSigfoxDevice: (
    principal: CallbackPrincipal,
    deviceId: string,
    autoCreate: boolean,
  ) => Promise<void>;
}

const SIGFOX_PATH = /^\/v1\/callbacks\/sigfox\/([A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;
/** Records may come from a backup whose clock runs a little ahead; more is a broken record. */
const MAX_AHEAD_MS = 5 * 60_000;

/** Body validators compiled once with the live routes' own compiler and schemas. */
const compile = buildValidatorCompiler();
const validators = {
  sigfox: compile({
    schema: SigfoxCallbackBody,
    method: 'POST',
    url: '/v1/callbacks/sigfox/:deviceTypeId',
    httpPart: 'body',
  }),
  ingest: compile({ schema: IngestBody, method: 'POST', url: '/v1/ingest', httpPart: 'body' }),
};

type Validator = (typeof validators)['sigfox'];

/** Checks a parsed body as the live route's validation does, with its wording. */
function validate(validator: Validator, body: unknown): void {
  if (validator(body) === true) return;
  const errors =
    (validator as unknown as { errors?: { instancePath?: string; message?: string }[] }).errors ?? [];
  const message = errors.map((e) => `body${e.instancePath ?? ''} ${e.message ?? 'is invalid'}`).join(', ');
  throw toAppError(Object.assign(new Error(message), { validation: errors, validationContext: 'body' }));
}

const mediaType = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase();

/** The frame a record's request makes, prepared as its live route prepares it. */
type Prepared =
  | { readonly kind: 'frames'; readonly frames: readonly Frame[] }
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * Replays records kept by fleetport-backup through the capture path of their live routes:
 * the same body parsing, checks, authentication (by the credential's SHA-256), device
 * admission and pipeline, with each frame marked replayed and received when the backup
 * received it, so capture's identities find what was already stored (a duplicate, never
 * a second message). Nothing is answered to a device: no downlink is asked for.
 */
export class ResyncReplay {
  readonly #deps: ResyncDeps;

  constructor(deps: ResyncDeps) {
    this.#deps = deps;
  }

  /** Replays `records` in order for `principal` (a system key: any tenant; otherwise its own). */
  async replay(principal: Principal, records: readonly BackupRecord[]): Promise<RecordResult[]> {
    // Prepared one after another (authentication and admission are awaited) …
    const prepared: (Prepared | AppError)[] = [];
    for (const record of records) {
      try {
        prepared.push(await this.#prepare(principal, record));
      } catch (error) {
        prepared.push(toAppError(error));
      }
    }
    // … then captured in record order, so that the pipeline commits them in groups.
    return Promise.all(
      records.map(async (record, index): Promise<RecordResult> => {
        const ready = prepared[index];
        if (ready === undefined) throw new AppError('internal', 'a record was not prepared');
        if (ready instanceof AppError) return refused(record.id, ready);
        if (ready.kind === 'skipped') return { id: record.id, outcome: 'skipped', reason: ready.reason };
        const settled = await Promise.allSettled(
          ready.frames.map((frame) => this.#deps.pipeline.capture(frame)),
        );
        const messages = settled.flatMap((s) => (s.status === 'fulfilled' ? [present(s.value)] : []));
        const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failure) {
          const error = toAppError(failure.reason);
          // A server failure is the server's, not the record's: the resync stops and can resume.
          if (error.status >= 500) throw failure.reason;
          return { ...refused(record.id, error), ...(messages.length > 0 ? { messages } : {}) };
        }
        return { id: record.id, outcome: messages.some((m) => !m.duplicate) ? 'new' : 'duplicate', messages };
      }),
    );
  }

  async #prepare(principal: Principal, record: BackupRecord): Promise<Prepared> {
    if (record.method !== 'POST')
      throw new AppError('record_unsupported', `${record.method} ${record.path} is not an uplink`);
    if (record.receivedAt > this.#deps.now() + MAX_AHEAD_MS)
      throw new AppError(
        'validation_failed',
        "the record was received in the future: check the backup host's clock",
        {
          field: 'receivedAt',
        },
      );
    const body = Buffer.from(record.body, 'base64');
    if (body.length > this.#deps.bodyLimit)
      throw new AppError('body_too_large', 'the request body is larger than the limit');
    const path = record.path.split('?')[0] ?? '';
    const sigfox = SIGFOX_PATH.exec(path);
    if (sigfox?.[1]) return this.#sigfox(principal, record, sigfox[1], body);
    if (path === '/v1/ingest') return this.#ingest(principal, record, body);
    throw new AppError(
      'record_unsupported',
      `${record.method} ${path} is not an uplink path (/v1/ingest, /v1/callbacks/sigfox/{type})`,
    );
  }

  async #sigfox(
    principal: Principal,
    record: BackupRecord,
    typeId: string,
    bytes: Buffer,
  ): Promise<Prepared> {
    const hash = credentialOf(record, 'callback secret');
    const type = mediaType(record.contentType);
    let body: unknown;
    if (type === 'application/json') body = parseJsonBody(bytes);
    else if (type === 'application/x-www-form-urlencoded') body = parseSigfoxForm(utf8(bytes));
    else throw unsupportedMedia(record.contentType);
    const callbackPrincipal = await this.#deps.callbackByHash(hash, typeId);
    sameTenant(principal, callbackPrincipal.tenantId, 'callback secret');
    validate(validators.sigfox, body);
    const callback = parseSigfoxCallback(body, record.receivedAt);
    if (!isSigfoxUplink(callback))
      return { kind: 'skipped', reason: `a Sigfox ${callback.kind} callback is not a message` };
    const { autoCreateDevices } = await this.#deps.settings.get(
      callbackPrincipal.tenantId,
      callbackPrincipal.typeId,
    );
    await this.#deps.admitSigfoxDevice(callbackPrincipal, callback.device, autoCreateDevices);
    return {
      kind: 'frames',
      frames: [{ ...sigfoxFrame(callback, callbackPrincipal, record.receivedAt), replayed: true }],
    };
  }

  async #ingest(principal: Principal, record: BackupRecord, bytes: Buffer): Promise<Prepared> {
    const hash = credentialOf(record, 'device token');
    if (mediaType(record.contentType) !== 'application/json') throw unsupportedMedia(record.contentType);
    const body = parseJsonBody(bytes);
    const device = await this.#deps.deviceByHash(hash);
    sameTenant(principal, device.tenantId, 'device token');
    validate(validators.ingest, body);
    const context = {
      receivedAt: record.receivedAt,
      seqBits: (await this.#deps.settings.get(device.tenantId, device.typeId)).sequenceBits,
    };
    const checked = body as IngestRequest;
    // Every message is checked before any is captured: a bad batch stores nothing.
    const frames =
      'messages' in checked
        ? checked.messages.map((message, index) => ingestFrame(device, message, context, index))
        : [ingestFrame(device, checked, context, undefined)];
    return { kind: 'frames', frames: frames.map((frame) => ({ ...frame, replayed: true })) };
  }
}

type IngestRequest = Static<typeof IngestBody>;

function credentialOf(record: BackupRecord, what: string): string {
  if (record.credentialSha256 === undefined)
    throw new AppError('unauthenticated', `the record carries no ${what}`);
  return record.credentialSha256;
}

/** Another tenant's credential is refused as an unknown one: a key learns nothing of other tenants. */
function sameTenant(principal: Principal, tenantId: string, what: string): void {
  if (!principal.system && principal.tenantId !== tenantId)
    throw new AppError('unauthenticated', `the record's ${what} is not valid`);
}

function unsupportedMedia(contentType: string | undefined): AppError {
  return new AppError('unsupported_media_type', `Unsupported Media Type: ${contentType ?? 'none'}`);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function utf8(bytes: Buffer): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new AppError('invalid_text', 'the body is not valid UTF-8', { in: 'the body' });
  }
}

function present(outcome: CaptureOutcome) {
  return { id: outcome.messageId, duplicate: outcome.duplicate, timeliness: outcome.timeliness };
}

function refused(id: string, error: AppError): RecordResult {
  return {
    id,
    outcome: 'refused',
    problem: { status: error.status, code: error.code, detail: error.message },
  };
}
