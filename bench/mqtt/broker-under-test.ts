import type { CaptureWindow } from '../support/server-metrics.js';
import type { LoadAccess } from './broker-load.js';
/** What the mqtt benchmark measures; a broker may take part in some of them only. */
export type MeasurementId = 'qos0' | 'qos1' | 'fan-in' | 'idle-memory' | 'load-qos0' | 'load-qos1';

/** A username and password for CONNECT. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Where a broker wants the one-publisher load to go when the benchmark's own topics
 * (`bench/p0/x`, anonymous) will not do: a device publishing its uplinks and an
 * application subscribed to them.
 */
export interface UplinkAccess {
  readonly topic: string;
  readonly publisher: Credentials;
  readonly subscriber: Credentials;
}

/** A broker process the benchmark started, listening on 127.0.0.1:port. */
export interface RunningBroker {
  readonly port: number;
  /** The process whose resident memory and CPU time are read from /proc. */
  readonly pid: number;
  /** Set when the load must use these topic and credentials (one publisher only). */
  readonly uplink?: UplinkAccess;
  /** A durable broker: how the messages it stored so far were grouped into commits. */
  commits?(): CommitSizes;
  /**
   * A broker whose clients must be known to it (Fleetport's durable uplinks): provisions
   * one device per load publisher and returns where each publishes and who subscribes.
   * Absent: the load's clients are anonymous on the benchmark's own topics.
   */
  loadAccess?(publishers: number): Promise<LoadAccess>;
  /** Fleetport: its capture pipeline's batches since it started, from its `/metrics`. */
  capture?(): Promise<CaptureWindow>;
  /** Fleetport: its HTTP API and the admin key (the commands benchmark queues commands there). */
  readonly api?: { readonly url: string; readonly adminKey: string };
  stop(): Promise<void>;
}

/**
 * How a durable broker grouped its stored messages into commits. Estimated from the rows'
 * storage time (a batch stamps all its rows with one millisecond), so two commits in one
 * millisecond count as one.
 */
export interface CommitSizes {
  readonly messages: number;
  readonly commits: number;
  /** Commits of one message: the QoS 1 publisher's window was split as 1 + the rest. */
  readonly singles: number;
  readonly median: number;
}

/** `CommitSizes` of a list of messages per commit. */
export function commitSizesOf(sizes: readonly number[]): CommitSizes {
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    messages: sorted.reduce((sum, size) => sum + size, 0),
    commits: sorted.length,
    singles: sorted.filter((size) => size === 1).length,
    median: sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0),
  };
}

/** How to start a broker under test. */
export interface StartOptions {
  /**
   * Node brokers run with `--cpu-prof` into this folder: a profile per thread of the
   * process's whole life (start-up included), written when it stops. Others ignore it.
   */
  readonly cpuProfileDir?: string | undefined;
  /**
   * The many-connection load will open this many connections: a broker that limits the
   * connection rate or its queues lifts them (as the in-memory brokers run anyway).
   */
  readonly loadConnections?: number | undefined;
}

/** Node's flags for `options`: where its CPU profiles go, if anywhere. */
export function profileFlags(options: StartOptions | undefined): string[] {
  const dir = options?.cpuProfileDir;
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
}

/** A broker under test: each `start()` starts a fresh one on a free loopback port. */
export interface BrokerUnderTest {
  readonly name: string;
  /** How it runs, for the report's legend. */
  readonly description: string;
  /** Whether it takes part in a measurement (all of them when absent). */
  readonly measures?: readonly MeasurementId[];
  start(options?: StartOptions): Promise<RunningBroker>;
}

/**
 * Thrown by `start()` when a broker cannot run here yet (Fleetport's broker before it
 * exists): the benchmark reports it as not available and goes on with the others.
 */
export class BrokerUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BrokerUnavailable';
  }
}
