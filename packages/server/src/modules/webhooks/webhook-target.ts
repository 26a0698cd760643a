import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../kernel/errors.js';

/**
 * Addresses a webhook may not reach unless the tenant is allowed private targets: loopback,
 * private, link-local (cloud metadata), carrier-grade NAT, benchmarking, multicast and
 * reserved ranges, for both families. IPv4-mapped IPv6 addresses are checked as IPv4.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Whether an IP address is loopback, private or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const mapped = MAPPED_V4.exec(address);
  if (mapped?.[1] !== undefined) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address, 'ipv6');
  return true;
}

/** A webhook URL that parsed: http or https, a host, no credentials. */
export function parseTargetUrl(raw: string, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('validation_failed', `${field} is not a URL`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('validation_failed', `${field} must be http or https`, { field });
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError(
      'validation_failed',
      `${field} must not carry credentials; the signature authenticates`,
      {
        field,
      },
    );
  }
  if (url.hostname === '') throw new AppError('validation_failed', `${field} has no host`, { field });
  url.hash = '';
  return url;
}

/** The host of a URL as DNS and `isIP` read it (IPv6 literals lose their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host and refuses it (`webhook_target_refused`) when any address it
 * resolves to is private and the tenant is not allowed those: one public answer does not
 * make a name safe when another answer is internal.
 */
export async function checkTarget(url: URL, allowPrivate: boolean, field = 'url'): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      throw new AppError('webhook_target_refused', `${field}: the host '${host}' does not resolve`, {
        field,
        host,
        reason: 'unresolvable',
      });
    }
  }
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new AppError(
      'webhook_target_refused',
      `${field}: '${host}' resolves to ${refused}, a private or loopback address; the tenant is not allowed private targets`,
      { field, host, address: refused, reason: 'private_address' },
    );
  }
}
