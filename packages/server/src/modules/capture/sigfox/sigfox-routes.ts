import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { Type } from 'typebox';
import { type App, callbackOf } from '../../../http/index.js';
import { AppError, isAppError } from '../../../kernel/errors.js';
import type { DeviceDeps } from '../../devices/index.js';
import type { CapturePipeline } from '../capture-pipeline.js';
import type { TypeSettings } from '../type-settings.js';
import {
  isSigfoxUplink,
  parseSigfoxCallback,
  parseSigfoxForm,
  SIGFOX_MAX_PAYLOAD_BYTES,
  sigfoxFrame,
} from './sigfox-body.js';
import { DeviceAdmission, DeviceRefused } from './sigfox-devices.js';

/** What a downlink source is asked when a BIDIR uplink is stored. */
export interface SigfoxDownlinkRequest {
  readonly tenantId: string;
  /** The device (its Sigfox id, upper-case hex). */
  readonly deviceId: string;
  readonly typeId: string;
  /** The uplink that asks: its stored message and its frame. */
  readonly uplink: {
    readonly messageId: string;
    /** Already stored by an earlier callback of the same frame (another base station, a retry). */
    readonly duplicate: boolean;
    readonly seqNumber: number;
    /** The frame's time, Unix ms. */
    readonly time: number;
    readonly payload: Buffer;
    /** BIDIR `ack`: the device waits for a downlink (undefined when the template leaves it out). */
    readonly ack: boolean | undefined;
  };
}

/** A SERVICE ACKNOWLEDGE callback: whether the device acknowledged its last downlink. */
export interface SigfoxDownlinkAck {
  readonly tenantId: string;
  /** The device (its Sigfox id, upper-case hex). */
  readonly deviceId: string;
  readonly typeId: string;
  /** `downlinkAck`: true when the device confirmed the downlink it received. */
  readonly acknowledged: boolean;
  /** When the callback says it happened, Unix ms (undefined when the template leaves it out). */
  readonly time: number | undefined;
  /** The callback's fields as sent (`infoCode`, `infoMessage`, `downlinkOverusage`…). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The downlink port of BIDIR callbacks: the 8 bytes to send the device in answer to an
 * uplink, or undefined for none (the commands module is the one the server plugs in);
 * without one every BIDIR callback answers 204, no downlink. `acknowledged` hears the
 * downlink acknowledgement SERVICE callbacks.
 */
export interface DownlinkSource {
  downlink(request: SigfoxDownlinkRequest): Promise<Buffer | undefined>;
  acknowledged?(ack: SigfoxDownlinkAck): Promise<void>;
  /**
   * A new uplink of a device was stored (DATA, DATA_ADVANCED or BIDIR; not a duplicate
   * reception), before a BIDIR one asks for its downlink: its sequence number tells what
   * the device sent since the last downlink. Awaited; a failure is logged and changes
   * nothing for the callback.
   */
  uplinkStored?(uplink: SigfoxUplinkStored): Promise<void>;
}

/** What `DownlinkSource.uplinkStored` is told. */
export interface SigfoxUplinkStored {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly messageId: string;
  readonly seqNumber: number;
  /** The frame's time, Unix ms. */
  readonly time: number;
}

/** A SERVICE callback (STATUS: `batt`, `temp`; others as sent), for whoever keeps device health. */
export interface SigfoxServiceNotice {
  readonly tenantId: string;
  /** The device (its Sigfox id, upper-case hex). */
  readonly deviceId: string;
  readonly typeId: string;
  /** When the callback says it happened, Unix ms (undefined when the template leaves it out). */
  readonly time: number | undefined;
  readonly receivedAt: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Hears SERVICE callbacks before they are answered (the health module plugs in here). */
export type SigfoxServiceListener = (notice: SigfoxServiceNotice) => Promise<void>;

/** What `registerSigfoxRoutes` gives back: where the composition root plugs the downlink source in. */
export interface SigfoxRoutes {
  /** Adds a listener of SERVICE callbacks; a failing one is logged and the callback still answers 204. */
  onService(listener: SigfoxServiceListener): void;
  /** Sets the one downlink source of BIDIR callbacks; a second one is a mistake (`conflict`). */
  useDownlinkSource(source: DownlinkSource): void;
  /** Swaps the source the server set (commands) for another, returning it: for tests of the port. */
  replaceDownlinkSource(source: DownlinkSource): DownlinkSource | undefined;
}

/** A Sigfox downlink is 8 bytes, sent as 16 hex digits. */
const DOWNLINK_BYTES = 8;

/** What the Sigfox callback route needs: the devices module's deps, the pipeline and type settings. */
export interface SigfoxDeps extends DeviceDeps {
  readonly pipeline: CapturePipeline;
  readonly settings: TypeSettings;
}

const Scalar = (description: string) => Type.Union([Type.String(), Type.Number()], { description });
const Flag = (description: string) => Type.Union([Type.Boolean(), Type.String()], { description });

/**
 * The fields Sigfox fills in; any other field (custom variables) is accepted and kept.
 * The schema documents and checks the shape; `parseSigfoxCallback` checks the values.
 */
export const SigfoxCallbackBody = Type.Object(
  {
    device: Scalar('{device}: the Sigfox device id, hex'),
    time: Type.Optional(Scalar('{time}: the frame time, epoch seconds')),
    data: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: `{data}: the frame, hex, 0–${SIGFOX_MAX_PAYLOAD_BYTES} bytes; absent in SERVICE and ERROR callbacks`,
      }),
    ),
    seqNumber: Type.Optional(Scalar('{seqNumber}: the 12-bit sequence number, 0–4095')),
    duplicate: Type.Optional(
      Flag('{duplicate}: true when another base station already called back this frame'),
    ),
    station: Type.Optional(Scalar('{station}: the base station id')),
    rssi: Type.Optional(Scalar('{rssi}: dBm')),
    snr: Type.Optional(Scalar('{snr}: dB')),
    avgSnr: Type.Optional(Scalar('{avgSnr}: dB')),
    lat: Type.Optional(Scalar("{lat}: the base station's latitude")),
    lng: Type.Optional(Scalar("{lng}: the base station's longitude")),
    deviceTypeId: Type.Optional(Type.String({ description: "{deviceTypeId}: Sigfox's device type id" })),
    ack: Type.Optional(Flag('{ack} (BIDIR): the device waits for a downlink')),
    longPolling: Type.Optional(Flag('{longPolling} (BIDIR)')),
    lqi: Type.Optional(Scalar('{lqi} (DATA_ADVANCED)')),
    linkQuality: Type.Optional(Scalar('{linkQuality} (DATA_ADVANCED)')),
    duplicates: Type.Optional(
      Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.String(), Type.Null()], {
        description: '{duplicates} (DATA_ADVANCED): every reception, `[{"bsId","rssi","snr","nbRep"}]`',
      }),
    ),
    computedLocation: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String(), Type.Null()], {
        description: "{computedLocation} (DATA_ADVANCED): the network's estimate of the device's location",
      }),
    ),
  },
  { additionalProperties: true },
);

/** The BIDIR answer with a downlink, keyed by the Sigfox device id (docs/SIGFOX.md). */
const DownlinkAnswer = Type.Record(
  Type.String(),
  Type.Object({ downlinkData: Type.String({ pattern: '^[0-9a-f]{16}$' }) }),
  { description: 'BIDIR with a downlink: `{"<device>":{"downlinkData":"<16 hex>"}}`' },
);

const Outcome = Type.Object({
  id: Type.String(),
  duplicate: Type.Boolean({ description: 'already stored: this callback at most added a reception' }),
  timeliness: Type.Union([Type.Literal('live'), Type.Literal('late'), Type.Literal('replayed')]),
});

const problem = { $ref: 'Problem#' };

/** One counter per registry, shared with other transports that count their refusals. */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The refusal reason of a failed callback; undefined for server failures (Sigfox retries those). */
function refusalReason(error: unknown): string | undefined {
  if (error instanceof DeviceRefused) return error.reason;
  if (isAppError(error)) return error.status < 500 ? error.code : undefined;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  if (fastifyError.validation) return 'validation_failed';
  switch (fastifyError.statusCode) {
    case 413:
      return 'body_too_large';
    case 415:
      return 'unsupported_media_type';
    case 400:
      return 'malformed_body';
    default:
      return undefined;
  }
}

/**
 * `POST /v1/callbacks/sigfox/{deviceTypeId}`: the Sigfox backend's DATA, DATA_ADVANCED,
 * BIDIR, SERVICE and ERROR callbacks of one device type, authenticated with a callback
 * secret of that type. See docs/SIGFOX.md for how to configure them.
 */
export function registerSigfoxRoutes(app: App, deps: SigfoxDeps): SigfoxRoutes {
  let downlinks: DownlinkSource | undefined;
  const serviceListeners: SigfoxServiceListener[] = [];
  const refused = counter(
    app.metrics,
    'fleetport_capture_refused_total',
    'Uplinks and callbacks refused by capture, by transport and reason',
    ['transport', 'reason'],
  );
  const callbacks = counter(
    app.metrics,
    'fleetport_sigfox_callbacks_total',
    'Sigfox callbacks accepted, by kind (data, data_advanced, bidir, service, error)',
    ['kind'],
  );

  const admission = new DeviceAdmission(deps);

  // Sigfox can send form bodies: only this route accepts them, in its own scope.
  void app.register(async function sigfoxScope(plugin) {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      function parseForm(_request, body, done) {
        try {
          done(null, parseSigfoxForm(String(body)));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
    scope.addHook('onError', async function countRefusal(_request, _reply, error) {
      const reason = refusalReason(error);
      if (reason !== undefined) refused.inc({ transport: 'sigfox', reason });
    });

    scope.post(
      '/v1/callbacks/sigfox/:deviceTypeId',
      {
        config: { auth: 'callback' },
        schema: {
          tags: ['capture'],
          summary:
            'Receive a Sigfox callback (DATA, DATA_ADVANCED, BIDIR, SERVICE, ERROR) for this device type',
          description:
            'Authenticated with a callback secret of the device type in the path, sent as the `X-Fleetport-Secret` header (or `Authorization: Bearer`). JSON or form bodies; fields as strings or numbers; unknown fields are kept with the reception. DATA and DATA_ADVANCED answer 200 once the message is durable (retries and other base stations\' callbacks of the same frame answer the same id with `duplicate: true`). BIDIR answers 200 `{"<device>":{"downlinkData":"<16 hex>"}}` when a downlink waits for the device, 204 otherwise. SERVICE and ERROR callbacks are counted and logged, and answer 204; a SERVICE STATUS callback\'s `batt` and `temp` become a health sample of the device (docs/HEALTH.md).',
          security: [{ callbackSecret: [] }],
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          params: Type.Object({
            deviceTypeId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }),
          }),
          body: SigfoxCallbackBody,
          response: {
            200: Type.Union([Outcome, DownlinkAnswer]),
            204: Type.Null(),
            400: problem,
            401: problem,
            404: problem,
            409: problem,
            413: problem,
            415: problem,
          },
        },
      },
      async function sigfoxCallbackRoute(request, reply) {
        const principal = callbackOf(request);
        const receivedAt = deps.clock.now();
        const callback = parseSigfoxCallback(request.body, receivedAt);
        if (!isSigfoxUplink(callback)) {
          // News about a device (battery, downlink acknowledgement, keep-alive breach), not a message.
          request.log.info(
            {
              sigfox: {
                kind: callback.kind,
                typeId: principal.typeId,
                device: callback.device,
                fields: callback.fields,
              },
            },
            `sigfox ${callback.kind} callback`,
          );
          callbacks.inc({ kind: callback.kind });
          const downlinkAck = flagOf(callback.fields.downlinkAck);
          if (callback.kind === 'service' && downlinkAck !== undefined && downlinks?.acknowledged) {
            try {
              await downlinks.acknowledged({
                tenantId: principal.tenantId,
                deviceId: callback.device,
                typeId: principal.typeId,
                acknowledged: downlinkAck,
                time: callback.time,
                fields: callback.fields,
              });
            } catch (error) {
              // Sigfox does not resend a SERVICE callback that failed: logged, answered as usual.
              request.log.error(
                { err: error, sigfox: { device: callback.device } },
                'sigfox downlink acknowledgement failed',
              );
            }
          }
          if (callback.kind === 'service') {
            for (const listener of serviceListeners) {
              try {
                await listener({
                  tenantId: principal.tenantId,
                  deviceId: callback.device,
                  typeId: principal.typeId,
                  time: callback.time,
                  receivedAt,
                  fields: callback.fields,
                });
              } catch (error) {
                // Sigfox does not resend a SERVICE callback: logged, answered as usual.
                request.log.error(
                  { err: error, sigfox: { device: callback.device } },
                  'sigfox service callback listener failed',
                );
              }
            }
          }
          return reply.status(204).send(null);
        }
        const { autoCreateDevices } = await deps.settings.get(principal.tenantId, principal.typeId);
        await admission.admit(principal, callback.device, autoCreateDevices);
        const outcome = await deps.pipeline.capture(sigfoxFrame(callback, principal, receivedAt));
        callbacks.inc({ kind: callback.kind });
        if (!outcome.duplicate && outcome.conflict === undefined && downlinks?.uplinkStored)
          await tellUplink(downlinks, request.log, {
            tenantId: principal.tenantId,
            deviceId: callback.device,
            typeId: principal.typeId,
            messageId: outcome.messageId,
            seqNumber: callback.seqNumber,
            time: callback.time,
          });
        if (callback.kind === 'bidir') {
          const downlink = await askDownlink(downlinks, request.log, {
            tenantId: principal.tenantId,
            deviceId: callback.device,
            typeId: principal.typeId,
            uplink: {
              messageId: outcome.messageId,
              duplicate: outcome.duplicate,
              seqNumber: callback.seqNumber,
              time: callback.time,
              payload: callback.payload,
              ack: callback.ack,
            },
          });
          // 204 tells Sigfox there is no downlink for this frame.
          if (downlink === undefined) return reply.status(204).send(null);
          return reply.status(200).send({ [callback.device]: { downlinkData: downlink.toString('hex') } });
        }
        return reply
          .status(200)
          .send({ id: outcome.messageId, duplicate: outcome.duplicate, timeliness: outcome.timeliness });
      },
    );
  });
  return {
    onService(listener) {
      serviceListeners.push(listener);
    },
    useDownlinkSource(source) {
      if (downlinks !== undefined)
        throw new AppError('conflict', 'the Sigfox downlink source is already set');
      downlinks = source;
    },
    replaceDownlinkSource(source) {
      const previous = downlinks;
      downlinks = source;
      return previous;
    },
  };
}

/** `downlinkAck` as a JSON template (true / false) or a form ("true" / "false") sends it. */
function flagOf(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/**
 * Asks the downlink source for a BIDIR uplink's answer. The uplink is stored whatever it
 * says: a source that fails or answers something other than 8 bytes is logged and the
 * answer is "no downlink" (Sigfox would not retry a 500 in time to matter, and the device
 * sends again anyway).
 */
/** Tells the downlink source about a stored uplink; its failure never fails the callback. */
async function tellUplink(
  source: DownlinkSource,
  log: FastifyBaseLogger,
  uplink: SigfoxUplinkStored,
): Promise<void> {
  try {
    await source.uplinkStored?.(uplink);
  } catch (error) {
    log.error(
      { err: error, sigfox: { device: uplink.deviceId } },
      'sigfox downlink source failed on an uplink',
    );
  }
}

async function askDownlink(
  source: DownlinkSource | undefined,
  log: FastifyBaseLogger,
  request: SigfoxDownlinkRequest,
): Promise<Buffer | undefined> {
  if (source === undefined) return undefined;
  try {
    const downlink = await source.downlink(request);
    if (downlink === undefined || downlink.length === DOWNLINK_BYTES) return downlink;
    log.error(
      { sigfox: { device: request.deviceId, bytes: downlink.length } },
      `sigfox downlink is not ${DOWNLINK_BYTES} bytes: none sent`,
    );
  } catch (error) {
    log.error(
      { err: error, sigfox: { device: request.deviceId } },
      'sigfox downlink source failed: none sent',
    );
  }
  return undefined;
}
