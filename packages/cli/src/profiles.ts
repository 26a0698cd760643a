import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

/** One named server in the profile file. */
export interface Profile {
  readonly url?: string;
  readonly apiKey?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** `$FLEETPORT_CONFIG_HOME/profiles.json`, else `$XDG_CONFIG_HOME/fleetport/…`, else `~/.config/fleetport/…`. */
export function profileFilePath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.FLEETPORT_CONFIG_HOME) return path.join(env.FLEETPORT_CONFIG_HOME, 'profiles.json');
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config');
  return path.join(configHome, 'fleetport', 'profiles.json');
}

function readProfiles(file: string): Readonly<Record<string, unknown>> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the profile file ${file}: ${(error as Error).message}`, 'config_error');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the profile file ${file} is not JSON: ${(error as Error).message}`, 'config_error');
  }
  const profiles = (parsed as { profiles?: unknown } | null)?.profiles;
  if (profiles === null || typeof profiles !== 'object' || Array.isArray(profiles)) {
    throw new UsageError(
      `the profile file ${file} must look like { "profiles": { "NAME": { "url": "…", "apiKey": "…" } } }`,
      'config_error',
    );
  }
  return profiles as Record<string, unknown>;
}

function checkProfile(file: string, name: string, value: unknown): Profile {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`profile '${name}' in ${file} must be an object`, 'config_error');
  }
  const { url, apiKey } = value as Record<string, unknown>;
  for (const [field, fieldValue] of [
    ['url', url],
    ['apiKey', apiKey],
  ] as const) {
    if (fieldValue !== undefined && typeof fieldValue !== 'string') {
      throw new UsageError(`profile '${name}' in ${file}: ${field} must be a string`, 'config_error');
    }
  }
  return {
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
  };
}

/**
 * The profile to use: the one named (an error when it is missing), or the one called
 * `default` when none is named and the file has it, or none.
 */
export function loadProfile(
  env: Readonly<Record<string, string | undefined>>,
  name: string | undefined,
): Profile {
  const file = profileFilePath(env);
  const profiles = readProfiles(file);
  if (name === undefined) {
    return profiles?.default === undefined ? {} : checkProfile(file, 'default', profiles.default);
  }
  if (profiles === undefined)
    throw new UsageError(`profile '${name}' asked for, but ${file} does not exist`, 'config_error');
  if (!Object.hasOwn(profiles, name)) {
    const known = Object.keys(profiles);
    throw new UsageError(
      `no profile '${name}' in ${file}${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`,
      'config_error',
    );
  }
  return checkProfile(file, name, profiles[name]);
}

export interface ClientOptions {
  readonly url?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly profile?: string | undefined;
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the server URL '${url}' is not a URL`, 'config_error');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`the server URL '${url}' must start with http:// or https://`, 'config_error');
  }
  return url;
}

/** Where and as whom to connect: flags beat environment variables, which beat the profile. */
export function resolveConnection(
  flags: ClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): { url: string; apiKey: string } {
  const profile = loadProfile(env, flags.profile ?? (env.FLEETPORT_PROFILE || undefined));
  const url = checkedUrl(flags.url ?? (env.FLEETPORT_URL || undefined) ?? profile.url ?? DEFAULT_URL);
  const apiKey = flags.apiKey ?? (env.FLEETPORT_API_KEY || undefined) ?? profile.apiKey;
  if (!apiKey) {
    throw new UsageError(
      'no API key: pass --api-key, set FLEETPORT_API_KEY, or name a profile with --profile',
      'missing_api_key',
    );
  }
  return { url, apiKey };
}

/**
 * The server URL alone, for commands that authenticate with something other than an API
 * key (a device token, a callback secret): the same precedence, but no key is required.
 */
export function resolveServerUrl(
  flags: ClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const profile = loadProfile(env, flags.profile ?? (env.FLEETPORT_PROFILE || undefined));
  return checkedUrl(flags.url ?? (env.FLEETPORT_URL || undefined) ?? profile.url ?? DEFAULT_URL).replace(
    /\/+$/,
    '',
  );
}
