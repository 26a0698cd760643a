/**
 * The load generator's process (started by `load-generator.ts`): autocannon against the
 * server under test, so that generating load never shares the server's event loop.
 * Receives one `StartMessage`, runs a warm-up window and a measured window, sends a
 * `LoadReport` and exits.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  type ChildMessage,
  type IngestWorkload,
  type LoadReport,
  type LoadSpec,
  PAYLOAD_HEX,
  type SigfoxWorkload,
  type StartMessage,
  type UnansweredRequest,
  type WindowFigures,
} from './load-workloads.js';

/** Per-connection state autocannon hands back to `onResponse` (its `context`). */
interface Context {
  sent?: UnansweredRequest;
  frame?: { deviceId: string; seq: number; time: number };
}

/** Counts answers, keeps what is in flight, and remembers the first failure. */
class Tracker {
  readonly inFlight = new Set<UnansweredRequest>();
  acknowledgedRequests = 0;
  acknowledgedMessages = 0;
  statuses: Record<string, number> = {};
  answered2xx = 0;
  firstFailure: string | undefined;

  sent(context: object, request: UnansweredRequest): void {
    (context as Context).sent = request;
    this.inFlight.add(request);
  }

  answered(context: object, status: number, body: string): void {
    const request = (context as Context).sent;
    if (request === undefined) return;
    this.inFlight.delete(request);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      this.answered2xx += 1;
      this.acknowledgedRequests += 1;
      // A Sigfox frame becomes one message; its further receptions only add to it.
      if (request.station === undefined || request.original) this.acknowledgedMessages += request.count;
    } else {
      this.firstFailure ??= `HTTP ${status} ${body.slice(0, 300)}`;
    }
  }

  /** Starts a new window's counts (the in-flight set and the totals carry over). */
  resetWindow(): void {
    this.statuses = {};
    this.answered2xx = 0;
  }
}

/** The ingest request, and each device's next sequence number as it advances. */
function ingestRequests(
  workload: IngestWorkload,
  tracker: Tracker,
): { requests: autocannon.Request[]; nextSeq: readonly number[] } {
  const devices = workload.devices;
  const nextSeq = devices.map((_, index) => workload.startSeq?.[index] ?? 0);
  const authorization = devices.map((device) => `Bearer ${device.token}`);
  let turn = 0;
  const ingest: autocannon.Request = {
    method: 'POST',
    path: '/v1/ingest',
    setupRequest(request, context) {
      // Round-robin over the fleet, so that one device's messages arrive in order.
      const index = turn % devices.length;
      turn += 1;
      const device = devices[index];
      if (device === undefined) throw new Error('no devices');
      const seq = nextSeq[index] ?? 0;
      nextSeq[index] = seq + workload.perRequest;
      const time = Date.now();
      let body: string;
      if (workload.perRequest === 1) body = `{"seq":${seq},"time":${time},"hex":"${PAYLOAD_HEX}"}`;
      else {
        const parts: string[] = [];
        for (let offset = 0; offset < workload.perRequest; offset += 1) {
          parts.push(`{"seq":${seq + offset},"time":${time},"hex":"${PAYLOAD_HEX}"}`);
        }
        body = `{"messages":[${parts.join(',')}]}`;
      }
      tracker.sent(context, { deviceId: device.deviceId, seq, count: workload.perRequest });
      request.headers = {
        ...request.headers,
        authorization: authorization[index],
        'content-type': 'application/json',
      };
      request.body = body;
      return request;
    },
    onResponse(status, body, context) {
      tracker.answered(context, status, body);
    },
  };
  return { requests: [ingest], nextSeq };
}

/**
 * Three requests per frame; autocannon runs them in order on each connection and keeps
 * the context across them, so the duplicates follow the answered first callback.
 */
function sigfoxRequests(workload: SigfoxWorkload, tracker: Tracker): autocannon.Request[] {
  const seqs = workload.deviceIds.map(() => 0);
  let turn = 0;
  const path = `/v1/callbacks/sigfox/${encodeURIComponent(workload.typeId)}`;
  return workload.stations.map(
    (station, stationIndex): autocannon.Request => ({
      method: 'POST',
      path,
      setupRequest(request, context) {
        const state = context as Context;
        if (stationIndex === 0 || state.frame === undefined) {
          const index = turn % workload.deviceIds.length;
          turn += 1;
          const deviceId = workload.deviceIds[index] ?? '';
          const seq = seqs[index] ?? 0;
          // Sigfox sequence numbers are 12 bits and wrap at 4096.
          seqs[index] = (seq + 1) % 4096;
          state.frame = { deviceId, seq, time: Math.floor(Date.now() / 1000) };
        }
        const frame = state.frame;
        const body = JSON.stringify({
          device: frame.deviceId,
          time: frame.time,
          data: PAYLOAD_HEX,
          seqNumber: frame.seq,
          station,
          rssi: -120 + stationIndex * 3,
          snr: 10 + stationIndex,
          duplicate: stationIndex > 0,
        });
        tracker.sent(context, {
          deviceId: frame.deviceId,
          seq: frame.seq,
          count: 1,
          station,
          original: stationIndex === 0,
        });
        request.headers = {
          ...request.headers,
          'x-fleetport-secret': workload.secret,
          'content-type': 'application/json',
        };
        request.body = body;
        return request;
      },
      onResponse(status, body, context) {
        tracker.answered(context, status, body);
      },
    }),
  );
}

async function runWindow(
  spec: LoadSpec,
  requests: autocannon.Request[],
  seconds: number,
  tracker: Tracker,
): Promise<WindowFigures> {
  tracker.resetWindow();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    requests,
    // A request still unanswered after this long counts as a timeout (and stays unanswered).
    timeout: 30,
  });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    elapsedMs,
    statuses: tracker.statuses,
    answered2xx: tracker.answered2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    generatorCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    firstFailure: tracker.firstFailure,
  };
}

async function run(spec: LoadSpec): Promise<LoadReport> {
  const tracker = new Tracker();
  const workload = spec.workload;
  const { requests, nextSeq } =
    workload.kind === 'ingest'
      ? ingestRequests(workload, tracker)
      : { requests: sigfoxRequests(workload, tracker), nextSeq: [] };
  const warmup = await runWindow(spec, requests, spec.warmupSeconds, tracker);
  await send({ type: 'measuring' });
  const measured = await runWindow(spec, requests, spec.durationSeconds, tracker);
  return {
    warmup,
    measured,
    acknowledgedRequests: tracker.acknowledgedRequests,
    acknowledgedMessages: tracker.acknowledgedMessages,
    unanswered: [...tracker.inFlight],
    nextSeq: [...nextSeq],
  };
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(message, undefined, {}, () => resolve());
    else resolve();
  });
}

process.once('message', (message: StartMessage) => {
  run(message.spec)
    .then(
      (report): ChildMessage => ({ type: 'report', report }),
      (error: unknown): ChildMessage => ({
        type: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    )
    .then(send)
    // autocannon may leave timers behind; the report is out, so end here.
    .finally(() => process.exit(0));
});
