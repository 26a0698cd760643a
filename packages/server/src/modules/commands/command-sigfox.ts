import type { Logger } from '../../kernel/logger.js';
import type {
  DownlinkSource,
  SigfoxDownlinkAck,
  SigfoxDownlinkRequest,
  SigfoxUplinkStored,
} from '../capture/sigfox/index.js';
import { SIGFOX_DOWNLINK_BYTES } from './command-schemas.js';
import type { CommandService, Outgoing } from './command-service.js';

export interface SigfoxCommandsOptions {
  /**
   * The longest the lookup may take (default 2 s). Sigfox waits only a few seconds for a
   * BIDIR answer, and a late downlink is worth nothing: the device listens once.
   */
  readonly lookupMs?: number;
}

/** Sigfox sequence numbers count frames modulo 4096. */
const SEQUENCE_MODULUS = 4096;
/**
 * A first uplink further than this many frames after the downlink's says nothing about it
 * (a reset, or a device silent for long): no inference is recorded.
 */
const MAX_INFERENCE_GAP = 16;

/**
 * What the first uplink after a downlink suggests, from the frames between the two (see
 * docs/COMMANDS.md): one missing frame is most likely the out-of-band frame a device sends
 * after it received a downlink; none means it sent none; more cannot be told from lost uplinks.
 */
function inference(framesBetween: number): 'out_of_band_frame' | 'no_out_of_band_frame' | 'unclear' {
  if (framesBetween === 1) return 'out_of_band_frame';
  return framesBetween === 0 ? 'no_out_of_band_frame' : 'unclear';
}

/** A downlink shorter than 8 bytes is padded with zeros: Sigfox sends exactly 8. */
function eightBytes(payload: Buffer): Buffer {
  if (payload.length === SIGFOX_DOWNLINK_BYTES) return payload;
  const out = Buffer.alloc(SIGFOX_DOWNLINK_BYTES);
  payload.copy(out);
  return out;
}

/**
 * The Sigfox downlink source: a BIDIR callback is answered with the device's most urgent
 * queued `sigfox` command, which becomes `unknown` (Sigfox tells nothing more unless a
 * downlink acknowledgement callback comes, which makes it `delivered`). A retry of the
 * callback for the same uplink answers the same command again.
 */
export class SigfoxCommands implements DownlinkSource {
  readonly #service: CommandService;
  readonly #logger: Logger;
  readonly #lookupMs: number;

  constructor(
    service: CommandService,
    deps: { logger: Logger },
    { lookupMs = 2_000 }: SigfoxCommandsOptions = {},
  ) {
    this.#service = service;
    this.#logger = deps.logger;
    this.#lookupMs = lookupMs;
  }

  async downlink(request: SigfoxDownlinkRequest): Promise<Buffer | undefined> {
    // The device did not open its receive window: nothing sent would reach it.
    if (request.uplink.ack === false) return undefined;
    const lookup = this.#lookup(request);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.#lookupMs);
    });
    const first = await Promise.race([lookup, late]);
    clearTimeout(timer);
    if (first !== 'late') return first === undefined ? undefined : eightBytes(first.payload);
    // Too late for this answer: a command it took goes back to the queue for the next uplink.
    void lookup
      .then(async (out) => {
        if (out !== undefined && !out.again)
          await this.#service.transition(out.row, 'queued', { reason: 'answer_too_late' });
      })
      .catch((error: unknown) =>
        this.#logger.error({ err: error, deviceId: request.deviceId }, 'commands: late Sigfox lookup failed'),
      );
    this.#logger.warn(
      { deviceId: request.deviceId, lookupMs: this.#lookupMs },
      'commands: Sigfox downlink lookup too slow, answered without one',
    );
    return undefined;
  }

  async #lookup(request: SigfoxDownlinkRequest): Promise<(Outgoing & { again: boolean }) | undefined> {
    const { tenantId, deviceId, uplink } = request;
    const answered = await this.#service.findByDeliveryRef(tenantId, deviceId, uplink.messageId);
    if (answered !== undefined) {
      // Another base station's callback, or a retry, of an uplink already answered.
      if (answered.status !== 'unknown' && answered.status !== 'sent') return undefined;
      return { row: answered, payload: await this.#service.payloadOf(answered), again: true };
    }
    const [out] = await this.#service.claim(tenantId, deviceId, 'sigfox', 1, () => ({
      status: 'unknown',
      detail: { transport: 'sigfox', messageId: uplink.messageId, seqNumber: uplink.seqNumber },
      ref: uplink.messageId,
    }));
    return out === undefined ? undefined : { ...out, again: false };
  }

  /**
   * The first uplink stored after a downlink: the sequence numbers between it and the
   * uplink the downlink answered are recorded in the command's history as an inference
   * (`inference`, with the frames between), once per hand-out. A device that received a
   * downlink usually sends an out-of-band acknowledgement frame, which takes a sequence
   * number but reaches Fleetport only as a SERVICE callback, if at all.
   */
  async uplinkStored(uplink: SigfoxUplinkStored): Promise<void> {
    const row = await this.#service.lastHandedOut(uplink.tenantId, uplink.deviceId, 'sigfox');
    if (row === undefined || row.delivery_ref === uplink.messageId) return;
    if (row.status !== 'unknown' && row.status !== 'delivered') return;
    const history = await this.#service.history(row);
    const handedOut = history.findLastIndex(
      (event) => event.status === 'unknown' && parseDetail(event.detail).messageId === row.delivery_ref,
    );
    const answered = history[handedOut];
    if (answered === undefined) return;
    const since = history.slice(handedOut + 1).map((event) => parseDetail(event.detail));
    if (since.some((detail) => detail.inference !== undefined)) return;
    const downlinkSeq = parseDetail(answered.detail).seqNumber;
    if (typeof downlinkSeq !== 'number') return;
    const distance = (uplink.seqNumber - downlinkSeq + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
    if (distance === 0 || distance > MAX_INFERENCE_GAP) return;
    await this.#service.note(row, {
      transport: 'sigfox',
      inference: inference(distance - 1),
      framesBetween: distance - 1,
      downlinkSeqNumber: downlinkSeq,
      seqNumber: uplink.seqNumber,
      messageId: uplink.messageId,
    });
  }

  /** The downlink acknowledgement callback: the command last answered to the device was received. */
  async acknowledged(ack: SigfoxDownlinkAck): Promise<void> {
    const row = await this.#service.lastHandedOut(ack.tenantId, ack.deviceId, 'sigfox');
    if (row === undefined) return;
    const detail = {
      transport: 'sigfox',
      downlinkAck: ack.acknowledged,
      ...(ack.time === undefined ? {} : { time: new Date(ack.time).toISOString() }),
    };
    // Without the device's acknowledgement Sigfox only says it did not hear one: still unknown.
    if (ack.acknowledged) await this.#service.delivered(row, detail);
  }
}

function parseDetail(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}
