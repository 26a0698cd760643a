import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sigfox sequence numbers are 12-bit: they wrap at 4096. */
const SEQ_MODULO = 4096;
/** A Sigfox frame carries at most 12 bytes. */
const MAX_PAYLOAD_BYTES = 12;
/** Sigfox device ids are 32-bit: 8 hex digits. */
export const DEVICE_ID_DIGITS = 8;
/** Sigfox gives a callback a few seconds before it retries; a slower answer counts as a failure. */
const CALLBACK_TIMEOUT_MS = 15_000;
/**
 * How far back a late frame's time is, in seconds: beyond a device type's default
 * `lateAfterSeconds` (600), so that the server has reason to call it late.
 */
const LATE_MIN_S = 15 * 60;
const LATE_SPAN_S = 15 * 60;
/** Base stations around each device, of which each frame reaches `receptions`. */
const EXTRA_STATIONS = 3;

/** What to simulate, and against which server. */
export interface SigfoxSimulation {
  /** Base URL of the server, without a trailing slash. */
  readonly url: string;
  readonly typeId: string;
  /** A callback secret of the device type (`fpc_…`). */
  readonly secret: string;
  readonly devices: number;
  /** Frames per second, across all devices. */
  readonly rate: number;
  readonly frames: number;
  /** Callbacks per frame, each from a different base station. */
  readonly receptions: number;
  /** Share of callbacks sent a second time, as Sigfox does after a 5xx or a timeout. */
  readonly retryRatio: number;
  /** Share of frames whose time is minutes in the past. */
  readonly lateRatio: number;
  /** Hex digits every simulated device id starts with. */
  readonly devicePrefix: string;
  /** Most callbacks in flight at once. */
  readonly concurrency: number;
  /** Every device's first sequence number; random per device when unset. */
  readonly firstSeq?: number | undefined;
  /**
   * Share of frames sent as BIDIR callbacks (`ack: true`): the device then takes the
   * downlink in the answer, sends its out-of-band acknowledgement frame (which uses a
   * sequence number) and Sigfox's downlink-acknowledgement SERVICE callback follows.
   */
  readonly bidirRatio?: number | undefined;
  /** Told of every downlink a simulated device received. */
  readonly onDownlink?: ((downlink: ReceivedDownlink) => void) | undefined;
  /** Ends the run early: no new frame starts, the callbacks under way finish. */
  readonly signal?: AbortSignal | undefined;
  /**
   * A second destination of every callback, like a second callback of the device type in
   * the Sigfox backend (a fleetport-backup): sent the same body and secret at the same
   * time, its answers counted apart (`backup`).
   */
  readonly alsoUrl?: string | undefined;
}

/** A downlink a simulated device received in the answer to its BIDIR callback. */
export interface ReceivedDownlink {
  readonly device: string;
  /** The sequence number of the frame whose callback it answered. */
  readonly seqNumber: number;
  /** The 8 bytes, as 16 hex digits. */
  readonly data: string;
}

/** The first answer of the run when it says the run cannot work (wrong secret, unknown type). */
export interface Refusal {
  readonly status: number;
  readonly body: string;
  readonly requestId: string | undefined;
}

/** What a run sent, what the server answered, and how fast. */
export interface SimulationReport {
  readonly url: string;
  readonly typeId: string;
  readonly devices: { readonly count: number; readonly first: string; readonly last: string };
  readonly sent: {
    readonly frames: number;
    readonly lateFrames: number;
    readonly callbacks: number;
    readonly retries: number;
    /** Frames sent as BIDIR callbacks, asking for a downlink. */
    readonly bidirFrames: number;
    /** Downlink-acknowledgement SERVICE callbacks, one per downlink received. */
    readonly downlinkAcks: number;
  };
  /** Downlinks the devices received in BIDIR answers. */
  readonly downlinks: number;
  readonly answers: {
    readonly '2xx': number;
    readonly '4xx': number;
    readonly '5xx': number;
    readonly networkErrors: number;
    /** Callbacks the server said changed nothing (extra receptions, retries). */
    readonly duplicates: number;
    /** Callbacks whose message the server labelled late. */
    readonly late: number;
  };
  /** The first answer that was not a 2xx, to say why the run failed. */
  readonly firstFailure: string | null;
  readonly elapsedSeconds: number;
  readonly callbacksPerSecond: number;
  readonly framesPerSecond: number;
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
  /** Set when the first callback was refused as unauthorized or not found, ending the run. */
  readonly refused?: Refusal;
  /** The second destination's answers, when there is one (`alsoUrl`). */
  readonly backup?: { readonly url: string; readonly '2xx': number; readonly failed: number };
}

/** A DATA callback body, as a Sigfox backend configured for JSON sends it. */
interface DataBody {
  readonly device: string;
  readonly time: number;
  readonly data: string;
  readonly seqNumber: number;
  readonly station: string;
  readonly rssi: number;
  readonly snr: number;
  readonly avgSnr: number;
  readonly lat: number;
  readonly lng: number;
  readonly duplicate: boolean;
  /** BIDIR only: the device listens for a downlink after this frame. */
  readonly ack?: true;
}

/** The downlink-acknowledgement SERVICE callback ("Downlink data: ACKNOWLEDGE"). */
interface ServiceBody {
  readonly device: string;
  readonly time: number;
  readonly infoCode: number;
  readonly infoMessage: string;
  readonly downlinkAck: boolean;
}

/** A callback's answer. */
interface Answer {
  readonly status: number;
  readonly text: string;
}

interface Station {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
}

/** One simulated device: its id, its counter, the stations that hear it. */
class SimulatedDevice {
  readonly id: string;
  readonly stations: readonly Station[];
  #seq: number;
  /** Settles when the first callback of this device's latest frame was answered. */
  previous: Promise<void> = Promise.resolve();

  constructor(id: string, stationCount: number, firstSeq: number | undefined) {
    this.id = id;
    // A random start by default: runs of a few thousand frames per device then also cross a wrap.
    this.#seq = firstSeq ?? randomInt(SEQ_MODULO);
    const lat = 43.6 + (Math.random() - 0.5);
    const lng = 1.44 + (Math.random() - 0.5);
    const ids = new Set<string>();
    while (ids.size < stationCount) ids.add(randomBytes(2).toString('hex').toUpperCase());
    this.stations = [...ids].map((station) => ({
      id: station,
      lat: round(lat + (Math.random() - 0.5) / 10, 3),
      lng: round(lng + (Math.random() - 0.5) / 10, 3),
    }));
  }

  /** The next frame's sequence number; 4095 is followed by 0. */
  nextSeq(): number {
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) % SEQ_MODULO;
    return seq;
  }
}

/** Bounds the callbacks in flight: `acquire` waits for a free slot. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(count: number) {
    this.#free = count;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}

const randomInt = (below: number) => Math.floor(Math.random() * below);
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The device ids of a run: the prefix, then the index in hex, 8 digits in all, upper case. */
export function deviceIds(prefix: string, count: number): string[] {
  const width = DEVICE_ID_DIGITS - prefix.length;
  return Array.from({ length: count }, (_, index) =>
    `${prefix}${index.toString(16).padStart(width, '0')}`.toUpperCase(),
  );
}

function percentile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[index] ?? 0, 2);
}

/**
 * Plays a fleet of Sigfox devices against `POST /v1/callbacks/sigfox/{type}`: frames paced
 * at the rate, round-robin over the devices, each frame called back once per base station
 * that heard it (`duplicate=false` first, then the others), some callbacks sent twice and
 * some frames late. A device's frames go out in order, as a real device sends them.
 */
export class SigfoxSimulator {
  readonly #config: SigfoxSimulation;
  readonly #slots: Slots;
  readonly #devices: SimulatedDevice[];
  readonly #latencies: number[] = [];
  #frames = 0;
  #lateFrames = 0;
  #callbacks = 0;
  #retries = 0;
  #bidirFrames = 0;
  #downlinkAcks = 0;
  #downlinks = 0;
  #ok = 0;
  #clientErrors = 0;
  #serverErrors = 0;
  #networkErrors = 0;
  #backupOk = 0;
  #backupFailed = 0;
  #duplicates = 0;
  #late = 0;
  #firstFailure: string | null = null;
  #refused: Refusal | undefined;
  #started = 0;

  constructor(config: SigfoxSimulation) {
    this.#config = config;
    this.#slots = new Slots(config.concurrency);
    const stationCount = config.receptions + EXTRA_STATIONS;
    this.#devices = deviceIds(config.devicePrefix, config.devices).map(
      (id) => new SimulatedDevice(id, stationCount, config.firstSeq),
    );
  }

  /** Runs the whole simulation and reports; never throws for what the server answers. */
  async run(): Promise<SimulationReport> {
    const { frames, rate, signal } = this.#config;
    this.#started = performance.now();
    const pending = new Set<Promise<void>>();
    for (let index = 0; index < frames; index += 1) {
      if (signal?.aborted || this.#refused) break;
      const wait = this.#started + (index * 1000) / rate - performance.now();
      if (wait >= 1) await sleep(wait, undefined, { signal }).catch(() => {});
      if (signal?.aborted) break;
      // The slot of the frame's first callback is taken here, so a slow server slows the pace.
      await this.#slots.acquire();
      const device = this.#devices[index % this.#devices.length];
      if (!device) break;
      const task = this.#sendFrame(device);
      pending.add(task);
      void task.finally(() => pending.delete(task));
      // The first answer tells whether the run can work at all: no use sending thousands of
      // callbacks with a wrong secret.
      if (index === 0) await device.previous;
    }
    await Promise.all(pending);
    return this.report();
  }

  /** The figures so far; the final report once `run` has resolved. */
  report(): SimulationReport {
    const elapsed = Math.max((performance.now() - this.#started) / 1000, 0.001);
    const sorted = Float64Array.from(this.#latencies).sort();
    const ids = this.#devices.map((d) => d.id);
    return {
      url: this.#config.url,
      typeId: this.#config.typeId,
      devices: { count: ids.length, first: ids[0] ?? '', last: ids.at(-1) ?? '' },
      sent: {
        frames: this.#frames,
        lateFrames: this.#lateFrames,
        callbacks: this.#callbacks,
        retries: this.#retries,
        bidirFrames: this.#bidirFrames,
        downlinkAcks: this.#downlinkAcks,
      },
      downlinks: this.#downlinks,
      answers: {
        '2xx': this.#ok,
        '4xx': this.#clientErrors,
        '5xx': this.#serverErrors,
        networkErrors: this.#networkErrors,
        duplicates: this.#duplicates,
        late: this.#late,
      },
      firstFailure: this.#firstFailure,
      elapsedSeconds: round(elapsed, 3),
      callbacksPerSecond: round(this.#callbacks / elapsed, 1),
      framesPerSecond: round(this.#frames / elapsed, 1),
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
      ...(this.#refused ? { refused: this.#refused } : {}),
      ...(this.#config.alsoUrl !== undefined
        ? { backup: { url: this.#config.alsoUrl, '2xx': this.#backupOk, failed: this.#backupFailed } }
        : {}),
    };
  }

  /** Sends one frame: its first callback (whose slot is already held), then the other stations'. */
  async #sendFrame(device: SimulatedDevice): Promise<void> {
    const { receptions, lateRatio } = this.#config;
    const before = device.previous;
    let firstAnswered = () => {};
    device.previous = new Promise<void>((resolve) => {
      firstAnswered = resolve;
    });
    let first: DataBody | undefined;
    let others: DataBody[] = [];
    try {
      await before;
      const late = Math.random() < lateRatio;
      // A late frame's callback comes long after the device's receive window closed.
      const bidir = !late && Math.random() < (this.#config.bidirRatio ?? 0);
      const now = Math.floor(Date.now() / 1000);
      const time = late ? now - LATE_MIN_S - randomInt(LATE_SPAN_S) : now;
      const seqNumber = device.nextSeq();
      const data = randomBytes(1 + randomInt(MAX_PAYLOAD_BYTES)).toString('hex');
      const stations = pick(device.stations, receptions);
      const bodies = stations.map((station, k) =>
        dataBody(device.id, time, data, seqNumber, station, k > 0, bidir),
      );
      [first, ...others] = bodies;
      this.#frames += 1;
      if (late) this.#lateFrames += 1;
      if (bidir) this.#bidirFrames += 1;
      const answer = first ? await this.#callback(first) : undefined;
      // Before the device's next frame: the acknowledgement frame takes the next sequence number.
      if (bidir && answer !== undefined) await this.#receive(device, seqNumber, answer);
    } finally {
      firstAnswered();
    }
    if (first && Math.random() < this.#config.retryRatio) await this.#retry(first);
    await Promise.all(
      others.map(async (body) => {
        await this.#slots.acquire();
        await this.#callback(body);
        if (Math.random() < this.#config.retryRatio) await this.#retry(body);
      }),
    );
  }

  /**
   * What a device does with the answer to its BIDIR frame: a 200 with its 8 bytes is a
   * downlink received, so it sends its out-of-band acknowledgement frame (a sequence number
   * the server never gets as a message) and Sigfox calls the SERVICE callback for it.
   */
  async #receive(device: SimulatedDevice, seqNumber: number, answer: Answer): Promise<void> {
    if (answer.status !== 200) return;
    let data: unknown;
    try {
      data = (JSON.parse(answer.text) as Record<string, { downlinkData?: unknown } | undefined>)[device.id]
        ?.downlinkData;
    } catch {
      return;
    }
    if (typeof data !== 'string' || !/^[0-9a-fA-F]{16}$/.test(data)) return;
    this.#downlinks += 1;
    this.#config.onDownlink?.({ device: device.id, seqNumber, data: data.toLowerCase() });
    device.nextSeq();
    await this.#slots.acquire();
    this.#downlinkAcks += 1;
    await this.#callback({
      device: device.id,
      time: Math.floor(Date.now() / 1000),
      infoCode: 0,
      infoMessage: 'Acked',
      downlinkAck: true,
    });
  }

  async #retry(body: DataBody): Promise<void> {
    await this.#slots.acquire();
    this.#retries += 1;
    await this.#callback(body);
  }

  /** Posts one callback (its slot already taken), records its answer and latency, and frees the slot. */
  async #callback(body: DataBody | ServiceBody): Promise<Answer | undefined> {
    const { url, typeId, secret } = this.#config;
    const checkRefusal = this.#callbacks === 0;
    this.#callbacks += 1;
    const started = performance.now();
    const copy = this.#config.alsoUrl === undefined ? undefined : this.#copy(this.#config.alsoUrl, body);
    try {
      const response = await fetch(`${url}/v1/callbacks/sigfox/${encodeURIComponent(typeId)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fleetport-secret': secret },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      const text = await response.text();
      this.#latencies.push(performance.now() - started);
      this.#record(response, text, checkRefusal);
      return { status: response.status, text };
    } catch (error) {
      this.#networkErrors += 1;
      this.#firstFailure ??= `network: ${describeNetworkError(error)}`;
      return undefined;
    } finally {
      await copy;
      this.#slots.release();
    }
  }

  /** The same callback to the second destination; its failure never counts against the server's. */
  async #copy(url: string, body: DataBody | ServiceBody): Promise<void> {
    const { typeId, secret } = this.#config;
    try {
      const response = await fetch(`${url}/v1/callbacks/sigfox/${encodeURIComponent(typeId)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fleetport-secret': secret },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.ok) this.#backupOk += 1;
      else this.#backupFailed += 1;
    } catch {
      this.#backupFailed += 1;
    }
  }

  #record(response: Response, text: string, checkRefusal: boolean): void {
    const status = response.status;
    if (status >= 200 && status < 300) {
      this.#ok += 1;
      if (text === '') return;
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return;
      }
      const { duplicate, timeliness } = (answer ?? {}) as { duplicate?: unknown; timeliness?: unknown };
      if (duplicate === true) this.#duplicates += 1;
      if (timeliness === 'late') this.#late += 1;
      return;
    }
    if (status >= 500) this.#serverErrors += 1;
    else this.#clientErrors += 1;
    this.#firstFailure ??= `${status} ${problemSummary(text)}`;
    if (checkRefusal && (status === 401 || status === 403 || status === 404)) {
      this.#refused = { status, body: text, requestId: response.headers.get('x-request-id') ?? undefined };
    }
  }
}

function dataBody(
  device: string,
  time: number,
  data: string,
  seqNumber: number,
  station: Station,
  duplicate: boolean,
  bidir: boolean,
): DataBody {
  const snr = round(Math.random() * 30, 2);
  return {
    ...(bidir ? { ack: true as const } : {}),
    device,
    time,
    data,
    seqNumber,
    station: station.id,
    rssi: round(-140 + Math.random() * 50, 2),
    snr,
    avgSnr: round(Math.min(30, Math.max(0, snr + (Math.random() - 0.5) * 6)), 2),
    lat: station.lat,
    lng: station.lng,
    duplicate,
  };
}

/** `count` distinct items of `items`, in random order. */
function pick<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    const a = pool[i];
    const b = pool[j];
    if (a !== undefined && b !== undefined) {
      pool[i] = b;
      pool[j] = a;
    }
  }
  return pool.slice(0, count);
}

/** `code: detail` of a problem document, or the start of whatever else the body was. */
function problemSummary(text: string): string {
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown };
    if (typeof problem.code === 'string') {
      return `${problem.code}: ${typeof problem.detail === 'string' ? problem.detail : ''}`.trim();
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 120) || '(empty body)';
}

function describeNetworkError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${CALLBACK_TIMEOUT_MS / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
