import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { oweCleanup } from '../support/cleanup.js';
import { MachineCpu } from '../support/machine-cpu.js';
import type { Credentials, RunningBroker } from './broker-under-test.js';
import { type DeliveryCount, DeliveryTally, PROBE_PAYLOAD } from './deliveries.js';
import type { MosquittoTools } from './mosquitto-tools.js';
import { deadline, readCpuSeconds, type Spawned, sleep, track } from './processes.js';

/**
 * `mosquitto_pub -M`: QoS 1 messages a publisher keeps in flight (its default is 20). The
 * same for every broker; a wider window lets a durable broker commit more messages at once.
 */
export const PUBLISHER_MAX_INFLIGHT = 100;

/** No new message for this long while publishers still run: the broker is stuck. */
const STALL_MS = 30_000;
/** After the publishers are done, how long a quiet subscriber is waited for before counting. */
const SETTLE_MS: Readonly<Record<0 | 1, number>> = { 0: 2000, 1: 10_000 };
/** Readiness probes sent before the subscriber is taken to be subscribed. */
const PROBE_ATTEMPTS = 50;

/** One throughput scenario: its publishers, QoS and input files. */
export interface ThroughputScenario {
  readonly id: 'qos0' | 'qos1' | 'fan-in';
  readonly label: string;
  readonly qos: 0 | 1;
  readonly perPublisher: number;
  /** Each publisher's input files (`writePublisherInputs`); their count is the publishers'. */
  readonly inputs: readonly (readonly string[])[];
  /** Messages per input file (the last may have fewer): one `mosquitto_pub` connection each. */
  readonly chunk: number;
  /** QoS 1 messages each publisher keeps in flight (`mosquitto_pub -M`); PUBLISHER_MAX_INFLIGHT when unset. */
  readonly inflight?: number;
}

/** A scenario's figures on one broker. */
export interface ThroughputResult extends DeliveryCount {
  readonly sent: number;
  /** Messages per second at the subscriber, first to last message by its own timestamps. */
  readonly rate: number;
  /** From starting the first publisher to the last message delivered. */
  readonly wallMs: number;
  /** The broker process's CPU time over the transfer, in % of one core. */
  readonly brokerCpuPercent: number;
  /**
   * The whole machine's over the transfer, in % of one core (200% is a busy 2-core
   * machine): beyond the broker's and its load's, it shows what other processes took.
   */
  readonly machineCpuPercent: number;
}

/** A failed check: the transfer ran but what arrived is wrong (QoS 1 loss, stranger lines). */
export class DeliveryCheckFailed extends Error {
  constructor(
    message: string,
    readonly result: ThroughputResult,
  ) {
    super(message);
    this.name = 'DeliveryCheckFailed';
  }
}

/** Reads what has been appended to a file since the last read. */
class FileFollower {
  readonly #fd: number;
  readonly #decoder = new StringDecoder('utf8');
  readonly #buffer = Buffer.allocUnsafe(1024 * 1024);
  #position = 0;

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
  }

  /** Everything new, as text (a multi-byte character cut in two waits for its rest). */
  read(): string {
    let text = '';
    for (;;) {
      const bytes = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, this.#position);
      if (bytes === 0) return text;
      this.#position += bytes;
      text += this.#decoder.write(this.#buffer.subarray(0, bytes));
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}

function credentialArgs(credentials: Credentials | undefined): string[] {
  return credentials ? ['-u', credentials.username, '-P', credentials.password] : [];
}

/**
 * Runs one `mosquitto_pub` to its end, listed in `running` meanwhile (so that a failed
 * run can stop it); rejects unless it exits 0.
 */
async function publishOnce(
  tools: MosquittoTools,
  args: readonly string[],
  running: Set<Spawned>,
  stdinFile?: string,
): Promise<void> {
  const fd = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
  let child: Spawned;
  try {
    child = track(spawn(tools.pub, args, { stdio: [fd, 'ignore', 'pipe'] }));
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
  running.add(child);
  const status = await child.exited;
  running.delete(child);
  if (status !== 0)
    throw new Error(`mosquitto_pub ${args.join(' ')} exited ${status}: ${child.stderrTail()}`);
}

/**
 * Runs `scenario` against `broker`: starts a `mosquitto_sub`, makes sure its subscription
 * is in place (probes until one arrives), starts every publisher at once (each sends its
 * input files one `mosquitto_pub -l` after the other), waits until everything arrived or
 * the subscriber stays quiet, and checks what arrived. Loss is reported in the result;
 * for QoS 1 (and for strange lines at any QoS) it throws DeliveryCheckFailed.
 */
export async function runThroughput(
  tools: MosquittoTools,
  broker: RunningBroker,
  scenario: ThroughputScenario,
): Promise<ThroughputResult> {
  const publishers = scenario.inputs.length;
  const { uplink } = broker;
  if (uplink !== undefined && publishers !== 1) throw new Error('an uplink broker takes one publisher only');
  const topic = (publisher: number) => uplink?.topic ?? `bench/p${publisher}/x`;
  const filter = uplink?.topic ?? (publishers === 1 ? topic(0) : 'bench/+/x');
  const connection = ['-h', '127.0.0.1', '-p', String(broker.port), '-q', String(scenario.qos)];
  const run = `${process.pid}-${Date.now().toString(36)}`;

  const tally = new DeliveryTally(publishers, scenario.perPublisher, scenario.chunk);
  // The subscriber writes to a file, read every few milliseconds in large pieces: through a
  // pipe, its flush after every message would wake this process once per message, and on
  // two cores that work would be taken from the broker under test.
  const outputDir = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-mqtt-sub-'));
  const removeOutput = oweCleanup(async () => rmSync(outputDir, { recursive: true, force: true }));
  const outputFile = path.join(outputDir, 'received.txt');
  const outputFd = openSync(outputFile, 'w');
  const subscriber = track(
    spawn(
      tools.sub,
      [
        ...connection,
        '-t',
        filter,
        '-i',
        `bench-sub-${run}`,
        '-F',
        '%U %t %p',
        ...credentialArgs(uplink?.subscriber),
      ],
      { stdio: ['ignore', outputFd, 'pipe'] },
    ),
  );
  closeSync(outputFd);
  const output = new FileFollower(outputFile);
  const drain = () => tally.write(output.read());
  let subscriberExit: number | string | undefined;
  void subscriber.exited.then((status) => {
    subscriberExit = status;
  });
  const requireSubscriber = () => {
    if (subscriberExit !== undefined) {
      throw new Error(`mosquitto_sub exited (${subscriberExit}): ${subscriber.stderrTail()}`);
    }
  };

  const running = new Set<Spawned>();
  let publishing = true;
  try {
    // mosquitto_sub says nothing when its SUBACK arrives, so probe on the first publisher's
    // topic until one probe comes back; probes are not counted as messages.
    for (let attempt = 0; tally.probes === 0; attempt += 1) {
      requireSubscriber();
      if (attempt === PROBE_ATTEMPTS) throw new Error(`the subscriber received none of ${attempt} probes`);
      await publishOnce(
        tools,
        [
          ...connection,
          '-t',
          topic(0),
          '-m',
          PROBE_PAYLOAD,
          '-i',
          `bench-probe-${run}`,
          ...credentialArgs(uplink?.publisher),
        ],
        running,
      );
      for (let waited = 0; waited < 200 && tally.probes === 0; waited += 10) {
        await sleep(10);
        drain();
      }
    }

    const machine = new MachineCpu();
    const cpuBefore = readCpuSeconds(broker.pid);
    const startedMs = Date.now();
    const started = performance.now();
    const publishersDone = Promise.all(
      scenario.inputs.map(async function publisher(files, index) {
        for (const [part, file] of files.entries()) {
          const args = [
            ...connection,
            '-t',
            topic(index),
            '-l',
            '-i',
            `bench-pub-${run}-${index}-${part}`,
            ...(scenario.qos > 0 ? ['-M', String(scenario.inflight ?? PUBLISHER_MAX_INFLIGHT)] : []),
            ...credentialArgs(uplink?.publisher),
          ];
          if (!publishing) return;
          await publishOnce(tools, args, running, file);
        }
      }),
    ).finally(() => {
      publishing = false;
    });
    let publishFailure: unknown;
    publishersDone.catch((error: unknown) => {
      publishFailure = error;
    });

    const sent = publishers * scenario.perPublisher;
    let lastDelivered = -1;
    let lastChange = performance.now();
    for (;;) {
      await sleep(50);
      drain();
      requireSubscriber();
      if (publishFailure !== undefined) throw publishFailure;
      const now = performance.now();
      if (tally.delivered !== lastDelivered) {
        lastDelivered = tally.delivered;
        lastChange = now;
      }
      if (tally.unique >= sent) break;
      if (publishing && now - lastChange > STALL_MS) {
        throw new Error(
          `stalled: no message for ${STALL_MS / 1000} s while publishing (${tally.delivered} of ${sent} delivered)`,
        );
      }
      if (!publishing && now - lastChange > SETTLE_MS[scenario.qos]) break;
    }
    // Everything may have arrived before the last publisher had its final PUBACK and
    // disconnected: let them finish (a publisher that then fails still fails the run).
    await Promise.race([publishersDone, deadline(STALL_MS)]);
    if (publishFailure !== undefined) throw publishFailure;
    if (running.size > 0)
      throw new Error(`${running.size} publishers still running after every message arrived`);
    const cpuSeconds = readCpuSeconds(broker.pid) - cpuBefore;
    const machineCpuPercent = machine.stop();
    const elapsedMs = performance.now() - started;
    await subscriber.stop();
    drain();
    const count = tally.count();
    const spanMs = count.lastMs - count.firstMs;
    const result: ThroughputResult = {
      ...count,
      sent,
      rate: count.delivered > 1 && spanMs > 0 ? ((count.delivered - 1) * 1000) / spanMs : 0,
      wallMs: Number.isFinite(count.lastMs) ? count.lastMs - startedMs : elapsedMs,
      brokerCpuPercent: ((cpuSeconds * 1000) / elapsedMs) * 100,
      machineCpuPercent,
    };
    if (count.unexpected > 0) {
      throw new DeliveryCheckFailed(
        `${count.unexpected} lines that are no message sent, first: ${count.firstUnexpected ?? ''}`,
        result,
      );
    }
    if (scenario.qos === 1 && count.lost > 0) {
      throw new DeliveryCheckFailed(
        `QoS 1: ${count.lost} of ${sent} messages lost (every publisher was acknowledged)`,
        result,
      );
    }
    return result;
  } finally {
    publishing = false;
    await subscriber.stop();
    for (const child of running) await child.stop();
    output.close();
    rmSync(outputDir, { recursive: true, force: true });
    removeOutput();
  }
}
