/**
 * The idle-connection load (started by `idle-memory.ts`): opens COUNT MQTT connections to
 * 127.0.0.1:PORT with raw sockets, each sending one minimal MQTT 3.1.1 CONNECT and waiting
 * for its CONNACK, and then holds them open without a byte more. Raw sockets, not the
 * `mqtt` client, so that the load costs little and sends exactly one packet per connection.
 *
 * stdout, one JSON line each: `{"connected","refused","firstError"}` once every connection
 * got its answer (or failed), then `{"open": n}` for every `count` line read on stdin.
 * Closing stdin (or SIGTERM) closes every connection and exits.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [, , portArg, countArg] = process.argv;
const port = Number(portArg);
const count = Number(countArg);
if (!Number.isInteger(port) || !Number.isInteger(count) || port <= 0 || count <= 0) {
  process.stderr.write('usage: idle-connections.ts PORT COUNT\n');
  process.exit(2);
}

/** CONNECTs waiting for their CONNACK at once: enough to be quick, few enough not to look like a flood. */
const CONCURRENCY = 200;
/** Keep-alive asked for: longer than the measurement, so that no client owes a PINGREQ. */
const KEEP_ALIVE_SECONDS = 600;
/** Each connection's CONNACK must arrive within this. */
const CONNACK_TIMEOUT_MS = 30_000;

/**
 * A CONNECT packet [MQTT-3.1]: protocol name "MQTT", level 4 (3.1.1), Clean Session set
 * and no will, username or password, then the client identifier.
 */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([
    0x00,
    0x04,
    0x4d,
    0x51,
    0x54,
    0x54,
    0x04,
    0x02,
    KEEP_ALIVE_SECONDS >> 8,
    KEEP_ALIVE_SECONDS & 0xff,
  ]);
  const remaining = variable.length + 2 + id.length;
  // Client ids here are short, so the remaining length fits the one-byte form (< 128).
  if (remaining > 127) throw new Error(`client id too long: ${clientId}`);
  return Buffer.concat([
    Buffer.from([0x10, remaining]),
    variable,
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
}

const open = new Set<Socket>();
let connected = 0;
let refused = 0;
let firstError: string | undefined;

function fail(socket: Socket, reason: string): void {
  refused += 1;
  firstError ??= reason;
  socket.destroy();
}

/** Opens connection `index` and resolves once it is accepted or has failed. */
function openOne(index: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      if (!settled) {
        fail(socket, `no CONNACK within ${CONNACK_TIMEOUT_MS / 1000} s`);
        settle();
      }
    }, CONNACK_TIMEOUT_MS);
    socket.once('connect', () => socket.write(connectPacket(`idle-${process.pid}-${index}`)));
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      // CONNACK [MQTT-3.2]: 0x20, remaining length 2, acknowledge flags, return code 0 = accepted.
      if (received[0] === 0x20 && received[1] === 0x02 && received[3] === 0x00) {
        connected += 1;
        open.add(socket);
      } else {
        fail(socket, `unexpected answer ${received.subarray(0, 8).toString('hex')}`);
      }
      settle();
    });
    socket.on('error', (error) => {
      if (!settled) {
        fail(socket, error.message);
        settle();
      }
    });
    socket.on('close', () => {
      open.delete(socket);
      if (!settled) {
        fail(socket, 'closed before CONNACK');
        settle();
      }
    });
  });
}

let next = 0;
async function worker(): Promise<void> {
  for (let index = next++; index < count; index = next++) await openOne(index);
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
process.stdout.write(`${JSON.stringify({ connected, refused, firstError })}\n`);

function closeAll(): void {
  for (const socket of open) socket.destroy();
  process.exit(0);
}
process.once('SIGTERM', closeAll);
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${JSON.stringify({ open: open.size })}\n`);
});
commands.once('close', closeAll);
