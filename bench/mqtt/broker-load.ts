import { fileURLToPath } from 'node:url';
import { MachineCpu } from '../support/machine-cpu.js';
import type { Credentials, RunningBroker } from './broker-under-test.js';
import { PAYLOAD_BYTES } from './deliveries.js';
import type { Counters, LoadConfig } from './load-clients.js';
import {
  deadline,
  lineReader,
  readCpuSeconds,
  readCpuSplit,
  readSchedSeconds,
  type Spawned,
  sleep,
  spawnWithFileLimit,
} from './processes.js';

const LOAD_SCRIPT = fileURLToPath(new URL('./load-clients.ts', import.meta.url));
/** Every load process must have all its connections accepted within this. */
const READY_TIMEOUT_MS = 60_000;
/** A `mark` or `stop` must be answered within this (a stop waits for its deliveries). */
const ANSWER_TIMEOUT_MS = 45_000;
/** After the publishers stop, how long quiet subscribers are waited for before counting. */
const SETTLE_MS: Readonly<Record<0 | 1, number>> = { 0: 1000, 1: 5000 };

/** The many-connection scenario at one QoS: publishers, subscribers, load processes, window. */
export interface LoadScenario {
  readonly id: 'load-qos0' | 'load-qos1';
  readonly label: string;
  readonly qos: 0 | 1;
  /** Publisher connections, spread over the load processes. */
  readonly connections: number;
  readonly processes: number;
  /** Subscriber connections; each receives the topics of some of its process's publishers. */
  readonly subscribers: number;
  /** Messages a publisher writes at once (QoS 1: and then waits for their PUBACKs). */
  readonly burst: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

/** Where each publisher publishes and who it is: the benchmark's topics, or a durable broker's devices. */
export interface LoadAccess {
  readonly publishers: readonly { readonly topic: string; readonly credentials?: Credentials }[];
  readonly subscriber?: Credentials;
}

/** The benchmark's own topics for anonymous clients: `bench/load/{publisher}`. */
export function anonymousLoadAccess(connections: number): LoadAccess {
  return {
    publishers: Array.from({ length: connections }, (_, index) => ({ topic: `bench/load/${index}` })),
  };
}

/** One load measurement's figures. */
export interface LoadResult {
  /** Messages received by the subscribers per second over the window. */
  readonly rate: number;
  /** Messages written by the publishers per second over the window. */
  readonly publishedRate: number;
  /** The broker process's CPU over the window, in % of one core. */
  readonly brokerCpuPercent: number;
  /**
   * The part of the broker's CPU time spent in the kernel, in %: on loopback a send also
   * runs the receiving side's TCP work, so a write per packet shows here.
   */
  readonly brokerSystemShare: number;
  /** The broker's CPU time over the window divided by the messages received in it. */
  readonly brokerUsPerMessage: number;
  /**
   * The broker's main thread on a CPU or waiting for one, in % of the window: near 100%
   * it never waited for the load, so the broker was the limit even when it got less
   * than a core (the machine is shared).
   */
  readonly brokerDemandPercent: number;
  /** Each load process's CPU over the window, in % of one core. */
  readonly loadCpuPercent: readonly number[];
  /** The load processes' CPU time over the window (all of them) divided by the messages received in it. */
  readonly loadUsPerMessage: number;
  /** Each load process's main thread on a CPU or waiting for one, in % of the window. */
  readonly loadDemandPercent: readonly number[];
  /** The whole machine's over the window, in % of one core. */
  readonly machineCpuPercent: number;
  readonly windowMs: number;
  /** Totals once the publishers stopped and the subscribers settled. */
  readonly sent: number;
  readonly acked: number;
  readonly received: number;
  /** Sent (QoS 1: acknowledged) but not received once settled. */
  readonly lost: number;
  /** Received beyond what was sent. */
  readonly duplicates: number;
}

/** A failed check of a load measurement: the load ran, but what arrived is wrong. */
export class LoadCheckFailed extends Error {
  constructor(
    message: string,
    readonly result: LoadResult,
  ) {
    super(message);
    this.name = 'LoadCheckFailed';
  }
}

interface LoadProcess {
  readonly spawned: Spawned;
  send(line: string): void;
  next(): Promise<Record<string, unknown>>;
}

function startLoadProcess(config: LoadConfig): LoadProcess {
  const spawned = spawnWithFileLimit(process.execPath, ['--import', 'tsx', LOAD_SCRIPT], { stdin: 'pipe' });
  const { stdin, stdout } = spawned.child;
  if (stdin === null || stdout === null) throw new Error('a load process has no stdin or stdout');
  const nextLine = lineReader(stdout);
  const exited = spawned.exited.then(
    (status) => new Error(`a load process exited (${status}): ${spawned.stderrTail()}`),
  );
  const send = (line: string) => {
    stdin.write(`${line}\n`);
  };
  send(JSON.stringify(config));
  return {
    spawned,
    send,
    async next() {
      const outcome = await Promise.race([
        nextLine(),
        exited,
        deadline(ANSWER_TIMEOUT_MS).then(() => new Error('a load process did not answer in time')),
      ]);
      if (outcome instanceof Error) throw outcome;
      const value: unknown = JSON.parse(outcome);
      if (value === null || typeof value !== 'object') throw new Error(`a load process said ${outcome}`);
      return value as Record<string, unknown>;
    },
  };
}

function countersOf(value: Record<string, unknown>): Counters {
  const number = (key: string) => {
    const field = value[key];
    if (typeof field !== 'number')
      throw new Error(`a load process answered without ${key}: ${JSON.stringify(value)}`);
    return field;
  };
  const firstError = typeof value.firstError === 'string' ? value.firstError : undefined;
  return {
    sent: number('sent'),
    acked: number('acked'),
    received: number('received'),
    closed: number('closed'),
    firstError,
  };
}

/** Seconds of CPU over a window of `windowMs`, in % of one core. */
function percentOf(seconds: number, windowMs: number): number {
  return ((seconds * 1000) / windowMs) * 100;
}

function sum(counters: readonly Counters[], key: 'sent' | 'acked' | 'received' | 'closed'): number {
  return counters.reduce((total, counter) => total + counter[key], 0);
}

/**
 * The configuration of each load process: publisher `i` goes to process `i mod processes`,
 * subscribers likewise, and within a process its publishers' topics are dealt to its
 * subscribers in turn, so that every message is received once, by the process that sent it.
 */
export function loadConfigs(
  port: number,
  scenario: LoadScenario,
  access: LoadAccess,
  tag: string,
): LoadConfig[] {
  const configs: LoadConfig[] = [];
  for (let process = 0; process < scenario.processes; process += 1) {
    const publishers = access.publishers
      .map((publisher, id) => ({ id, ...publisher }))
      .filter(({ id }) => id % scenario.processes === process);
    const subscriberIds = Array.from({ length: scenario.subscribers }, (_, id) => id).filter(
      (id) => id % scenario.processes === process,
    );
    const subscribers = subscriberIds.map((id, index) => ({
      id,
      topics: publishers.filter((_, at) => at % subscriberIds.length === index).map(({ topic }) => topic),
      ...(access.subscriber === undefined ? {} : { credentials: access.subscriber }),
    }));
    configs.push({
      port,
      qos: scenario.qos,
      burst: scenario.burst,
      payloadBytes: PAYLOAD_BYTES,
      tag,
      publishers: publishers.map(({ id, topic, credentials }) => ({
        id,
        topic,
        ...(credentials === undefined ? {} : { credentials }),
      })),
      subscribers: subscribers.filter(({ topics }) => topics.length > 0),
      settleMs: SETTLE_MS[scenario.qos],
    });
  }
  return configs;
}

/** Demand of a main thread: seconds on a CPU plus seconds runnable but waiting for one. */
function demandSeconds(pid: number): number {
  const { running, waiting } = readSchedSeconds(pid);
  return running + waiting;
}

/** CPU seconds (all threads) and main-thread demand of the broker and each load process, read together. */
function cpuTimes(broker: RunningBroker, loads: readonly LoadProcess[]) {
  return {
    broker: readCpuSplit(broker.pid),
    brokerDemand: demandSeconds(broker.pid),
    loads: loads.map((load) => readCpuSeconds(load.spawned.pid)),
    loadDemands: loads.map((load) => demandSeconds(load.spawned.pid)),
  };
}

/**
 * Runs `scenario` against `broker`: starts the load processes, waits until every
 * subscriber has its SUBACK and every publisher its CONNACK, lets them publish for the
 * warm-up, then measures a window between two marks (messages received and sent, the
 * broker's and the load processes' CPU time from /proc), stops the publishers and waits
 * for what they sent. QoS 1: a message acknowledged but never received, or a connection
 * closed by the broker, fails the run (LoadCheckFailed); QoS 0 losses are reported.
 */
export async function runLoad(
  broker: RunningBroker,
  scenario: LoadScenario,
  access: LoadAccess,
): Promise<LoadResult> {
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const loads = loadConfigs(broker.port, scenario, access, tag).map(startLoadProcess);
  try {
    const ready = await Promise.race([
      Promise.all(loads.map((load) => load.next())),
      deadline(READY_TIMEOUT_MS).then(
        () => new Error(`the load was not connected within ${READY_TIMEOUT_MS / 1000} s`),
      ),
    ]);
    if (ready instanceof Error) throw ready;
    const refused = ready.find((answer) => answer.ready !== true);
    if (refused !== undefined) throw new Error(`a load process could not connect: ${String(refused.failed)}`);

    const mark = async () => {
      const cpu = cpuTimes(broker, loads);
      const at = performance.now();
      for (const load of loads) load.send('mark');
      const counters = await Promise.all(loads.map(async (load) => countersOf(await load.next())));
      return { cpu, at, counters };
    };
    for (const load of loads) load.send('go');
    await sleep(scenario.warmupMs);
    const machine = new MachineCpu();
    const start = await mark();
    await sleep(scenario.windowMs);
    const end = await mark();
    const machineCpuPercent = machine.stop();
    for (const load of loads) load.send('stop');
    const final = await Promise.all(loads.map(async (load) => countersOf(await load.next())));

    const windowMs = end.at - start.at;
    const receivedInWindow = sum(end.counters, 'received') - sum(start.counters, 'received');
    const sentInWindow = sum(end.counters, 'sent') - sum(start.counters, 'sent');
    const brokerSystem = end.cpu.broker.system - start.cpu.broker.system;
    const brokerSeconds = end.cpu.broker.user - start.cpu.broker.user + brokerSystem;
    const sent = sum(final, 'sent');
    const acked = sum(final, 'acked');
    const received = sum(final, 'received');
    const delivered = scenario.qos === 1 ? acked : sent;
    const loadSeconds = end.cpu.loads.reduce(
      (total, seconds, index) => total + seconds - (start.cpu.loads[index] ?? 0),
      0,
    );
    const result: LoadResult = {
      rate: (receivedInWindow * 1000) / windowMs,
      publishedRate: (sentInWindow * 1000) / windowMs,
      brokerCpuPercent: percentOf(brokerSeconds, windowMs),
      brokerSystemShare: brokerSeconds > 0 ? (brokerSystem / brokerSeconds) * 100 : 0,
      brokerUsPerMessage: receivedInWindow > 0 ? (brokerSeconds * 1e6) / receivedInWindow : Number.NaN,
      brokerDemandPercent: percentOf(end.cpu.brokerDemand - start.cpu.brokerDemand, windowMs),
      loadCpuPercent: end.cpu.loads.map((seconds, index) =>
        percentOf(seconds - (start.cpu.loads[index] ?? 0), windowMs),
      ),
      loadUsPerMessage: receivedInWindow > 0 ? (loadSeconds * 1e6) / receivedInWindow : Number.NaN,
      loadDemandPercent: end.cpu.loadDemands.map((seconds, index) =>
        percentOf(seconds - (start.cpu.loadDemands[index] ?? 0), windowMs),
      ),
      machineCpuPercent,
      windowMs,
      sent,
      acked,
      received,
      lost: Math.max(0, delivered - received),
      duplicates: Math.max(0, received - sent),
    };
    const closed = sum(final, 'closed');
    if (closed > 0) {
      const reason = final.find((counters) => counters.firstError !== undefined)?.firstError ?? '';
      throw new LoadCheckFailed(`the broker closed ${closed} load connections (${reason})`, result);
    }
    if (scenario.qos === 1 && result.lost > 0) {
      throw new LoadCheckFailed(
        `QoS 1: ${result.lost} of ${acked} acknowledged messages never arrived`,
        result,
      );
    }
    if (result.duplicates > 0) {
      throw new LoadCheckFailed(`${result.duplicates} messages more arrived than were sent`, result);
    }
    return result;
  } finally {
    for (const load of loads) load.spawned.child.stdin?.end();
    await Promise.all(loads.map((load) => load.spawned.stop()));
  }
}
