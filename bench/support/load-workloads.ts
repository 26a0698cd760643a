/**
 * What the load generator sends, shared by the parent (which describes a workload and
 * checks the stored result against the report) and the child (which generates it).
 */

/** A device of the HTTP ingest fleet and the token it sends with. */
export interface TokenDevice {
  readonly deviceId: string;
  readonly token: string;
}

/** `POST /v1/ingest`: `perRequest` messages per request (1 sends a bare message, more a batch). */
export interface IngestWorkload {
  readonly kind: 'ingest';
  readonly devices: readonly TokenDevice[];
  readonly perRequest: number;
  /** The next sequence number of each device (same order as `devices`); 0 when absent. */
  readonly startSeq?: readonly number[];
}

/**
 * `POST /v1/callbacks/sigfox/{typeId}`: each connection sends a frame's callback from the
 * first station (`duplicate: false`), then, once it is answered, the same frame from each
 * further station (`duplicate: true`), as the Sigfox backend does.
 */
export interface SigfoxWorkload {
  readonly kind: 'sigfox';
  readonly typeId: string;
  readonly secret: string;
  /** Sigfox device ids (hex). */
  readonly deviceIds: readonly string[];
  readonly stations: readonly string[];
}

export type Workload = IngestWorkload | SigfoxWorkload;

export interface LoadSpec {
  /** `http://host:port` of the server under load. */
  readonly url: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly workload: Workload;
}

/**
 * A request whose answer never came (it was in flight when a window ended, or timed
 * out): it may or may not have been stored. `count` messages with sequence numbers from
 * `seq` (HTTP ingest); for Sigfox one callback of frame `seq` from `station`.
 */
export interface UnansweredRequest {
  readonly deviceId: string;
  readonly seq: number;
  readonly count: number;
  readonly station?: string;
  /** Sigfox: the frame's first callback (the one that creates the message). */
  readonly original?: boolean;
}

/** One window (warm-up or measured) as the generator saw it. */
export interface WindowFigures {
  readonly elapsedMs: number;
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly answered2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** The generator process's CPU over the window, in % of one core. */
  readonly generatorCpuPercent: number;
  /** The first non-2xx answer body, to say what went wrong. */
  readonly firstFailure: string | undefined;
}

export interface LoadReport {
  readonly warmup: WindowFigures;
  readonly measured: WindowFigures;
  /** Over both windows: 2xx requests, and the messages (ingest) or first callbacks (Sigfox) they carried. */
  readonly acknowledgedRequests: number;
  readonly acknowledgedMessages: number;
  readonly unanswered: readonly UnansweredRequest[];
  /** Ingest: the next sequence number of each device, to continue in a later phase. */
  readonly nextSeq: readonly number[];
}

/** Parent → child. */
export interface StartMessage {
  readonly type: 'start';
  readonly spec: LoadSpec;
}

/** Child → parent. */
export type ChildMessage =
  | { readonly type: 'measuring' }
  | { readonly type: 'report'; readonly report: LoadReport }
  | { readonly type: 'failed'; readonly message: string };

/** The payload every generated message carries: 12 bytes, a typical uplink. */
export const PAYLOAD_HEX = '0a1b2c3d4e5f60718293a4b5';
