import { createHash } from 'node:crypto';
import { AppError, notFound } from '../../kernel/errors.js';
import { writeWithChanges } from '../changes/index.js';
import type { CodecSource } from './codec.js';
import type { CodecRunner, RunnableCodec } from './codec-runner.js';
import type {
  CodecBody,
  CodecTestBody,
  CodecVersionView,
  DecodedView,
  DeviceTypeCodec,
  EncodedView,
} from './codec-schemas.js';
import {
  type CodecVersionRow,
  deviceTypeOf,
  findDeviceVariables,
  findTypeCodec,
  insertCodecVersion,
  listCodecVersions,
  updateTypeCodec,
} from './codec-store.js';
import { type DecodeDeps, type DecodeService, presentDecode, typeCodec } from './decode-service.js';
import { validateJavaScriptCodec } from './javascript/index.js';
import { compileSigfoxFormat } from './sigfox-grammar/index.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Refuses a codec that cannot run, with `validation_failed` and what is wrong. */
export async function validateCodec(codec: CodecSource): Promise<void> {
  if (codec.kind === 'sigfox') {
    // SigfoxFormatError is already a validation_failed AppError carrying data.issues.
    compileSigfoxFormat(codec.source);
    return;
  }
  const checked = await validateJavaScriptCodec(codec.source);
  if (!checked.ok) {
    throw new AppError('validation_failed', `invalid JavaScript codec: ${checked.errors.join('; ')}`, {
      field: 'source',
      errors: [...checked.errors],
    });
  }
}

function presentVersion(row: CodecVersionRow): CodecVersionView {
  return {
    version: row.version,
    previousVersion: row.previous_version,
    kind: row.kind as CodecVersionView['kind'],
    source: row.source,
    changedBy: row.changed_by,
    changedAt: iso(row.changed_at),
  };
}

/** A test's bytes, given as hex (`bytes`) or `base64`, one or the other. */
function testBytes(
  field: 'uplink' | 'downlink',
  hex: string | undefined,
  base64: string | undefined,
): Buffer {
  if (hex !== undefined && base64 !== undefined) {
    throw new AppError('validation_failed', 'give the bytes as hex (bytes) or base64, not both', {
      field: `${field}.bytes`,
    });
  }
  return base64 !== undefined ? Buffer.from(base64, 'base64') : Buffer.from(hex ?? '', 'hex');
}

/** Saving codecs on device types, their history, and trying codecs without a device. */
export class CodecService {
  readonly #deps: DecodeDeps;
  readonly #runner: CodecRunner;
  readonly #decoder: DecodeService;

  constructor(deps: DecodeDeps, runner: CodecRunner, decoder: DecodeService) {
    this.#deps = deps;
    this.#runner = runner;
    this.#decoder = decoder;
  }

  /**
   * Sets (or with null removes) a type's codec after validating it. A change makes a new
   * version and an audit row, and is announced as `device_type.codec_changed`; saving the
   * same codec again changes nothing.
   */
  async setCodec(
    tenantId: string,
    typeId: string,
    codec: CodecBody | null,
    keyId: string,
  ): Promise<DeviceTypeCodec | null> {
    if (codec !== null) await validateCodec(codec);
    const current = await findTypeCodec(this.#deps.store, tenantId, typeId);
    if (!current) throw notFound('device type', typeId);
    if (current.codec_kind === (codec?.kind ?? null) && current.codec_source === (codec?.source ?? null)) {
      return this.getCodec(tenantId, typeId);
    }
    const now = this.#deps.clock.now();
    const version = current.codec_version + 1;
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      if (!(await updateTypeCodec(tx, current, codec, now))) {
        throw new AppError(
          'precondition_failed',
          `the codec of device type '${typeId}' was changed by another request; read it again`,
        );
      }
      await insertCodecVersion(tx, {
        tenant_id: tenantId,
        type_id: typeId,
        version,
        previous_version: current.codec_version,
        kind: codec?.kind ?? null,
        source: codec?.source ?? null,
        changed_by: keyId,
        changed_at: now,
      });
      record({
        kind: 'device_type.codec_changed',
        entityId: typeId,
        data: {
          typeId,
          kind: codec?.kind ?? null,
          version,
          previousVersion: current.codec_version,
          changedBy: keyId,
        },
      });
    });
    this.#decoder.forgetType(tenantId, typeId);
    return codec === null ? null : { kind: codec.kind, source: codec.source, version, updatedAt: iso(now) };
  }

  /** A type's codec, null when it has none. */
  async getCodec(tenantId: string, typeId: string): Promise<DeviceTypeCodec | null> {
    const row = await findTypeCodec(this.#deps.store, tenantId, typeId);
    if (!row) throw notFound('device type', typeId);
    if (row.codec_kind === null || row.codec_source === null) return null;
    return {
      kind: row.codec_kind as DeviceTypeCodec['kind'],
      source: row.codec_source,
      version: row.codec_version,
      updatedAt: iso(row.codec_updated_at ?? 0),
    };
  }

  /** A type's codec history, newest first. */
  async listVersions(tenantId: string, typeId: string): Promise<CodecVersionView[]> {
    if (!(await findTypeCodec(this.#deps.store, tenantId, typeId))) throw notFound('device type', typeId);
    return (await listCodecVersions(this.#deps.store, tenantId, typeId)).map(presentVersion);
  }

  /**
   * Encodes a downlink for one device with its type's codec (`encodeDownlink`), the type's
   * variables overridden by the device's: the bytes or the codec's errors; undefined when
   * the device or its type has no codec. For the commands module.
   */
  async encodeForDevice(
    tenantId: string,
    deviceId: string,
    data: unknown,
  ): Promise<{ bytes: Uint8Array | null; errors: readonly string[] } | undefined> {
    const [device] = await findDeviceVariables(this.#deps.store, tenantId, [deviceId]);
    const typeId =
      device === undefined ? undefined : await deviceTypeOf(this.#deps.store, tenantId, deviceId);
    if (device === undefined || typeId === undefined) return undefined;
    const row = await findTypeCodec(this.#deps.store, tenantId, typeId);
    if (!row || row.codec_kind === null || row.codec_source === null) return undefined;
    const variables = {
      ...(JSON.parse(row.variables) as Record<string, string>),
      ...(JSON.parse(device.variables) as Record<string, string>),
    };
    const result = await this.#runner.encodeDownlink(typeCodec(row), { data, variables });
    return { bytes: result.bytes, errors: result.errors };
  }

  /** Runs a codec on an input exactly as capture would, storing nothing. */
  async test(tenantId: string, body: CodecTestBody): Promise<DecodedView | EncodedView> {
    if ((body.uplink === undefined) === (body.downlink === undefined)) {
      throw new AppError('validation_failed', 'give exactly one of uplink or downlink', { field: 'uplink' });
    }
    let codec: RunnableCodec;
    let typeVariables: Record<string, string> = {};
    let codecVersion: number | null = null;
    if ('typeId' in body.codec) {
      const row = await findTypeCodec(this.#deps.store, tenantId, body.codec.typeId);
      if (!row) throw notFound('device type', body.codec.typeId);
      if (row.codec_kind === null) {
        throw new AppError('validation_failed', `device type '${row.id}' has no codec`, {
          field: 'codec.typeId',
        });
      }
      codec = typeCodec(row);
      codecVersion = row.codec_version;
      typeVariables = JSON.parse(row.variables) as Record<string, string>;
    } else {
      await validateCodec(body.codec);
      // Keyed by content, so repeated tests of one source reuse its compiled form.
      const digest = createHash('sha256').update(body.codec.source).digest('hex');
      codec = {
        id: `test:${body.codec.kind}:${digest}`,
        version: 0,
        kind: body.codec.kind,
        source: body.codec.source,
      };
    }
    if (body.uplink !== undefined) {
      const { bytes: hex, base64, fPort, recvTime, variables, ...extra } = body.uplink;
      const result = await this.#runner.decodeUplink(codec, {
        bytes: testBytes('uplink', hex, base64),
        fPort,
        recvTime: recvTime === undefined ? this.#deps.clock.now() : Date.parse(recvTime),
        variables: { ...typeVariables, ...variables },
        extra,
      });
      return presentDecode(result, codecVersion, this.#deps.clock.now());
    }
    const { data, bytes: hex, base64, fPort, variables, ...extra } = body.downlink ?? {};
    const merged = { ...typeVariables, ...variables };
    if (hex !== undefined || base64 !== undefined) {
      if (data !== undefined) {
        throw new AppError(
          'validation_failed',
          'give a downlink data (to encode) or bytes (to decode), not both',
          { field: 'downlink.data' },
        );
      }
      const result = await this.#runner.decodeDownlink(codec, {
        bytes: testBytes('downlink', hex, base64),
        fPort,
        variables: merged,
        extra,
      });
      return presentDecode(result, codecVersion, this.#deps.clock.now());
    }
    if (data === undefined) {
      throw new AppError('validation_failed', 'give the downlink data (to encode) or bytes (to decode)', {
        field: 'downlink.data',
      });
    }
    const result = await this.#runner.encodeDownlink(codec, { data, fPort, variables: merged, extra });
    return {
      bytes: result.bytes === null ? null : Buffer.from(result.bytes).toString('hex'),
      fPort: result.fPort ?? null,
      warnings: [...result.warnings],
      errors: [...result.errors],
    };
  }
}
