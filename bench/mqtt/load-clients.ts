/**
 * One load process of the many-connection scenario (started by `broker-load.ts`): raw
 * MQTT 3.1.1 over many sockets, every packet it publishes encoded once before the load
 * starts, so that a message costs the load little more than its share of a `write()`.
 *
 * stdin, one line each: first the configuration (`LoadConfig` as JSON), then commands:
 * `go` starts publishing, `mark` asks for the counters, `stop` stops publishing and
 * answers once what was sent has arrived (or the subscribers went quiet). Closing stdin
 * (or SIGTERM) closes every connection and exits.
 *
 * stdout, one JSON line each: `{"ready":…}` once every subscriber has its SUBACK and every
 * publisher its CONNACK (or `{"failed":…}`), then `Counters` for each `mark`, and
 * `Counters` with `"done": true` for `stop`.
 *
 * Publishers take turns: each writes its pre-encoded burst of messages, then waits (QoS 1:
 * for that burst's PUBACKs). The subscribers of this process receive exactly this
 * process's publishers' topics, so the messages published but not yet received are known
 * here, and a publisher writes only while they stay under one burst per publisher: the
 * load keeps the broker busy without piling messages up in its queues or the kernel's.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** A client's username and password for CONNECT (absent: anonymous). */
export interface LoadCredentials {
  readonly username: string;
  readonly password: string;
}

/** What one load process runs. */
export interface LoadConfig {
  readonly port: number;
  readonly qos: 0 | 1;
  /** Messages a publisher writes at once (QoS 1: then waits for their PUBACKs). */
  readonly burst: number;
  readonly payloadBytes: number;
  /** Makes client ids unique across runs. */
  readonly tag: string;
  readonly publishers: readonly {
    readonly id: number;
    readonly topic: string;
    readonly credentials?: LoadCredentials;
  }[];
  readonly subscribers: readonly {
    readonly id: number;
    readonly topics: readonly string[];
    readonly credentials?: LoadCredentials;
  }[];
  /** After `stop`, how long the subscribers may stay quiet before the counts are final. */
  readonly settleMs: number;
}

/** What a load process reports for `mark` and `stop`. */
export interface Counters {
  readonly sent: number;
  readonly acked: number;
  readonly received: number;
  /** Connections the broker closed (or that failed) after the load was ready. */
  readonly closed: number;
  readonly firstError: string | undefined;
  readonly done?: true;
}

/** Keep-alive asked for: longer than any run, so that no client owes a PINGREQ. */
const KEEP_ALIVE_SECONDS = 600;
/** Connections being opened at once. */
const CONNECT_CONCURRENCY = 100;
const CONNECT_TIMEOUT_MS = 30_000;
/** A `stop` answers after this long at the latest, whatever arrived. */
const STOP_LIMIT_MS = 30_000;

const PUBLISH = 3;
const PUBACK = 4;
const CONNACK = 2;
const SUBACK = 9;

/** MQTT's variable byte integer [MQTT-1.5.5] (Remaining Length). */
function variableLength(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return bytes;
}

function utf8String(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte, ...variableLength(body.length)]), body]);
}

/** CONNECT [MQTT-3.1]: "MQTT" level 4 (3.1.1), Clean Session, no will; username and password when given. */
function connectPacket(clientId: string, credentials: LoadCredentials | undefined): Buffer {
  const flags = 0x02 | (credentials === undefined ? 0 : 0xc0);
  const header = Buffer.from([
    0x00,
    0x04,
    0x4d,
    0x51,
    0x54,
    0x54,
    0x04,
    flags,
    KEEP_ALIVE_SECONDS >> 8,
    KEEP_ALIVE_SECONDS & 0xff,
  ]);
  const parts = [header, utf8String(clientId)];
  if (credentials !== undefined)
    parts.push(utf8String(credentials.username), utf8String(credentials.password));
  return packet(0x10, Buffer.concat(parts));
}

/** SUBSCRIBE [MQTT-3.8] of every topic at `qos`, packet id 1. */
function subscribePacket(topics: readonly string[], qos: 0 | 1): Buffer {
  const parts: Buffer[] = [Buffer.from([0x00, 0x01])];
  for (const topic of topics) parts.push(utf8String(topic), Buffer.from([qos]));
  return packet(0x82, Buffer.concat(parts));
}

/**
 * A publisher's burst: `count` PUBLISH packets [MQTT-3.3] on `topic`, QoS 1 ones numbered
 * 1…count (reused for the next burst once all are acknowledged [MQTT-2.3.1-3]).
 */
function burstPackets(topic: string, qos: 0 | 1, count: number, payload: Buffer): Buffer {
  const packets: Buffer[] = [];
  for (let id = 1; id <= count; id += 1) {
    const packetId = qos === 1 ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0);
    packets.push(packet(0x30 | (qos << 1), Buffer.concat([utf8String(topic), packetId, payload])));
  }
  return Buffer.concat(packets);
}

type PacketHandler = (type: number, flags: number, buffer: Buffer, start: number, end: number) => void;

/**
 * Splits a connection's bytes into packets (a packet cut across two reads waits for its
 * rest) and hands each to `handle` as its type, flags and body's bounds.
 */
function packetReader(handle: PacketHandler): (chunk: Buffer) => void {
  let pending: Buffer | undefined;
  return function readPackets(chunk: Buffer) {
    const buffer = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let index = at + 1;
      let complete = false;
      while (index < buffer.length) {
        const byte = buffer[index] ?? 0;
        index += 1;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || index + length > buffer.length) break;
      const first = buffer[at] ?? 0;
      handle(first >> 4, first & 0x0f, buffer, index, index + length);
      at = index + length;
    }
    pending = at < buffer.length ? buffer.subarray(at) : undefined;
  };
}

const lines = createInterface({ input: process.stdin });
const nextLine = (() => {
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  lines.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queued.push(line);
  });
  lines.once('close', () => {
    for (const waiter of waiting.splice(0)) waiter(undefined);
  });
  return () => {
    const line = queued.shift();
    return line !== undefined
      ? Promise.resolve<string | undefined>(line)
      : new Promise<string | undefined>((resolve) => waiting.push(resolve));
  };
})();

function answer(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const sockets = new Set<Socket>();
function closeAll(): never {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}
process.once('SIGTERM', closeAll);

const configLine = await nextLine();
if (configLine === undefined) process.exit(0);
const config = JSON.parse(configLine) as LoadConfig;
const { qos, burst } = config;

let ready = false;
let sent = 0;
let acked = 0;
let received = 0;
let closed = 0;
let firstError: string | undefined;
let publishing = false;

interface Publisher {
  readonly socket: Socket;
  readonly packets: Buffer;
  /** QoS 1: PUBACKs of the last burst still owed. */
  unacked: number;
  /** `write()` said the socket's buffer is full: wait for `drain`. */
  blocked: boolean;
}
const publishers: Publisher[] = [];
/** Messages this process published that its subscribers have not received yet. */
const outstanding = () => sent - received;
const maxOutstanding = config.publishers.length * burst;
let cursor = 0;

/** Lets the publishers whose turn it is write, while the outstanding messages allow. */
function pump(): void {
  if (!publishing) return;
  let skipped = 0;
  while (skipped < publishers.length && outstanding() + burst <= maxOutstanding) {
    const publisher = publishers[cursor];
    cursor = (cursor + 1) % publishers.length;
    if (publisher === undefined || publisher.unacked > 0 || publisher.blocked) {
      skipped += 1;
      continue;
    }
    skipped = 0;
    publisher.unacked = qos === 1 ? burst : 0;
    sent += burst;
    if (!publisher.socket.write(publisher.packets)) publisher.blocked = true;
  }
}

function noteError(reason: string): void {
  firstError ??= reason;
}

/**
 * Opens one connection, sends `packets` (CONNECT, and SUBSCRIBE for a subscriber) and
 * resolves once `accepted` says yes to an answer for each, handing on every later packet
 * to `then`; rejects on a refusal, an error or a close before that.
 */
function open(
  packets: readonly Buffer[],
  accepted: (type: number, buffer: Buffer, start: number, end: number) => boolean,
  then: PacketHandler,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(config.port, '127.0.0.1');
    socket.setNoDelay(true);
    sockets.add(socket);
    let waiting = packets.length;
    const timer = setTimeout(
      () => reject(new Error('no answer to CONNECT or SUBSCRIBE in time')),
      CONNECT_TIMEOUT_MS,
    );
    const read = packetReader(function handshake(type, flags, buffer, start, end) {
      if (waiting === 0) {
        then(type, flags, buffer, start, end);
        return;
      }
      if (!accepted(type, buffer, start, end)) {
        clearTimeout(timer);
        reject(new Error(`refused: packet type ${type} ${buffer.subarray(start, end).toString('hex')}`));
        socket.destroy();
        return;
      }
      waiting -= 1;
      if (waiting === 0) {
        clearTimeout(timer);
        resolve(socket);
      }
    });
    socket.on('data', read);
    socket.once('connect', () => socket.write(Buffer.concat(packets)));
    socket.on('error', (error) => {
      noteError(error.message);
      reject(error);
    });
    socket.once('close', () => {
      sockets.delete(socket);
      clearTimeout(timer);
      reject(new Error('closed during the handshake'));
      if (ready) {
        closed += 1;
        noteError('a connection was closed by the broker');
      }
    });
  });
}

/** CONNACK accepted [MQTT-3.2.2.3] or SUBACK granting no failure (0x80) [MQTT-3.9.3]. */
function accepted(type: number, buffer: Buffer, start: number, end: number): boolean {
  if (type === CONNACK) return buffer[start + 1] === 0;
  if (type !== SUBACK) return false;
  for (let index = start + 2; index < end; index += 1) if ((buffer[index] ?? 0x80) >= 0x80) return false;
  return true;
}

async function inTurns<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, items.length) }, worker));
}

try {
  await inTurns(config.subscribers, async function subscriber({ id, topics, credentials }) {
    const acks: number[] = [];
    const socket = await open(
      [connectPacket(`load-${config.tag}-s${id}`, credentials), subscribePacket(topics, qos)],
      accepted,
      function deliver(type, flags, buffer, start) {
        if (type !== PUBLISH) return;
        received += 1;
        if (((flags >> 1) & 3) === 1) acks.push(buffer.readUInt16BE(start + 2 + buffer.readUInt16BE(start)));
      },
    );
    // One PUBACK write per read, not per message; then the publishers may go on.
    socket.on('data', function acknowledge() {
      if (acks.length > 0) {
        const out = Buffer.allocUnsafe(acks.length * 4);
        for (const [index, id] of acks.entries()) {
          out[index * 4] = 0x40;
          out[index * 4 + 1] = 0x02;
          out.writeUInt16BE(id, index * 4 + 2);
        }
        acks.length = 0;
        socket.write(out);
      }
      pump();
    });
  });
  const payload = (id: number) => Buffer.from(`p${id}:`.padEnd(config.payloadBytes, 'x'));
  await inTurns(config.publishers, async function publisher({ id, topic, credentials }) {
    const entry: { value?: Publisher } = {};
    const socket = await open([connectPacket(`load-${config.tag}-p${id}`, credentials)], accepted, (type) => {
      const own = entry.value;
      if (type !== PUBACK || own === undefined) return;
      acked += 1;
      own.unacked -= 1;
      if (own.unacked === 0) pump();
    });
    const own: Publisher = {
      socket,
      packets: burstPackets(topic, qos, burst, payload(id)),
      unacked: 0,
      blocked: false,
    };
    entry.value = own;
    socket.on('drain', () => {
      own.blocked = false;
      pump();
    });
    publishers.push(own);
  });
} catch (error) {
  answer({ failed: error instanceof Error ? error.message : String(error) });
  closeAll();
}
ready = true;
answer({ ready: true, publishers: publishers.length, subscribers: config.subscribers.length });

const counters = (): Counters => ({ sent, acked, received, closed, firstError });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
  const command = line.trim();
  if (command === 'go') {
    publishing = true;
    pump();
  } else if (command === 'mark') {
    answer(counters());
  } else if (command === 'stop') {
    publishing = false;
    const started = Date.now();
    let last = -1;
    let lastChange = Date.now();
    while (Date.now() - started < STOP_LIMIT_MS) {
      const everything = received >= sent && (qos === 0 || acked >= sent);
      if (everything) break;
      if (received + acked !== last) {
        last = received + acked;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > config.settleMs) break;
      await sleep(20);
    }
    answer({ ...counters(), done: true });
  }
}
closeAll();
