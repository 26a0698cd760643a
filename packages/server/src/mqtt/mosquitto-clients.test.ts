import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle, startBroker, type TestBroker } from './test-support.js';

const run = promisify(execFile);

/** Runs mosquitto_sub until it has `count` messages; resolves with its output lines. */
function subscribe(
  port: number,
  args: string[],
  count: number,
): { ready: Promise<void>; lines: Promise<string[]> } {
  const child = spawn('mosquitto_sub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-C',
    String(count),
    '-W',
    '10',
    ...args,
  ]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const lines = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out.trim().split('\n'))
        : reject(new Error(`mosquitto_sub exited ${code}: ${out}`)),
    );
  });
  // mosquitto_sub prints nothing when subscribed; give it a moment to connect and subscribe.
  return { ready: settle(300), lines };
}

function publish(port: number, args: string[]): Promise<unknown> {
  return run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), ...args]);
}

/** Interoperability with Debian's mosquitto-clients (CI installs the package). */
describe.each([
  ['mqttv311', 'MQTT 3.1.1'],
  ['mqttv5', 'MQTT 5'],
])('mosquitto_pub / mosquitto_sub with %s', (version) => {
  let server: TestBroker;

  beforeEach(async () => {
    server = await startBroker();
  });

  afterEach(async () => {
    await server.broker.close();
  });

  it('carries QoS 0, 1 and 2 messages', async () => {
    for (const qos of ['0', '1', '2']) {
      const sub = subscribe(server.port, ['-V', version, '-t', `interop/${qos}`, '-q', qos], 3);
      await sub.ready;
      for (const n of [1, 2, 3])
        await publish(server.port, ['-V', version, '-t', `interop/${qos}`, '-q', qos, '-m', `m${n}`]);
      expect(await sub.lines).toEqual(['m1', 'm2', 'm3']);
    }
  });

  it('delivers retained messages with the retain flag', async () => {
    await publish(server.port, ['-V', version, '-t', 'interop/retained', '-r', '-q', '1', '-m', 'kept']);
    const sub = subscribe(server.port, ['-V', version, '-t', 'interop/#', '-F', '%t %p %r'], 1);
    expect(await sub.lines).toEqual(['interop/retained kept 1']);
  });

  it('queues QoS 1 messages for a persistent session while it is away', async () => {
    const session = version === 'mqttv5' ? ['-x', '600'] : [];
    const first = subscribe(
      server.port,
      ['-V', version, '-i', 'away', '-c', ...session, '-t', 'queue/#', '-q', '1'],
      1,
    );
    await first.ready;
    await publish(server.port, ['-V', version, '-t', 'queue/x', '-q', '1', '-m', 'first']);
    expect(await first.lines).toEqual(['first']);
    await publish(server.port, ['-V', version, '-t', 'queue/x', '-q', '1', '-m', 'while away']);
    const again = subscribe(
      server.port,
      ['-V', version, '-i', 'away', '-c', ...session, '-t', 'queue/#', '-q', '1'],
      1,
    );
    expect(await again.lines).toEqual(['while away']);
  });
});
