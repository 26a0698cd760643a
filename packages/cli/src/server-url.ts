import { UsageError } from './errors.js';
import { type ClientOptions, DEFAULT_URL, loadProfile } from './profiles.js';

/**
 * The server URL alone, for commands that authenticate with something other than an API
 * key (a device token, a callback secret): same precedence as resolveConnection, flag >
 * environment > profile > default, but no key is required.
 */
export function resolveServerUrl(
  flags: ClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const url =
    flags.url ??
    (env.FLEETPORT_URL || undefined) ??
    loadProfile(env, flags.profile ?? (env.FLEETPORT_PROFILE || undefined)).url ??
    DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the server URL '${url}' is not a URL`, 'config_error');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`the server URL '${url}' must start with http:// or https://`, 'config_error');
  }
  return url.replace(/\/+$/, '');
}
