import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The first port the kernel hands out to outgoing connections and to `listen(0)`. A port
 * taken from that range and freed again for a child to bind can be given to any client
 * socket in the meantime (the CI run that failed with EADDRINUSE on 127.0.0.1:40637), so
 * test servers take theirs from below it.
 */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const value = Number(low);
    if (Number.isInteger(value) && value > 12_000) return value;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152; stay under the Linux default too.
  }
  return 32_768;
}

const low = 10_000;
const high = ephemeralLow();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nobody listens on, outside the ephemeral range so that no outgoing
 * connection takes it before the server that is given it binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${low} and ${high} after 200 tries`);
}
