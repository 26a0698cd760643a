import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';

/** A console session `fleetport login` keeps: its secret (sent as the cookie) and CSRF token. */
export interface ProfileSession {
  readonly secret: string;
  readonly csrfToken: string;
  readonly email?: string;
  readonly expiresAt?: string;
}

/** One named server in the profile file. */
export interface Profile {
  readonly url?: string;
  readonly apiKey?: string;
  readonly session?: ProfileSession;
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
  const session = (value as Record<string, unknown>).session;
  const checked = session === undefined ? undefined : checkSession(file, name, session);
  return {
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
    ...(checked ? { session: checked } : {}),
  };
}

function checkSession(file: string, name: string, value: unknown): ProfileSession {
  const { secret, csrfToken, email, expiresAt } = (value ?? {}) as Record<string, unknown>;
  if (typeof secret !== 'string' || typeof csrfToken !== 'string')
    throw new UsageError(
      `profile '${name}' in ${file}: session must hold the secret and csrfToken strings of \`fleetport login\``,
      'config_error',
    );
  return {
    secret,
    csrfToken,
    ...(typeof email === 'string' ? { email } : {}),
    ...(typeof expiresAt === 'string' ? { expiresAt } : {}),
  };
}

/**
 * Sets (or with `undefined`, removes) the session of a profile, keeping everything else in
 * the file; the file is written readable by its owner only, since it holds credentials.
 */
export function saveProfileSession(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  url: string,
  session: ProfileSession | undefined,
): string {
  const file = profileFilePath(env);
  const profiles: Record<string, unknown> = { ...(readProfiles(file) ?? {}) };
  const existing = profiles[name] === undefined ? {} : checkProfile(file, name, profiles[name]);
  const { session: _old, ...rest } = existing;
  profiles[name] = { ...rest, url: existing.url ?? url, ...(session ? { session } : {}) };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ profiles }, null, 2)}\n`, { mode: 0o600 });
  return file;
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

/**
 * Where and as whom to connect: flags beat environment variables, which beat the profile;
 * a key anywhere beats the profile's session (`fleetport login`).
 */
export function resolveConnection(
  flags: ClientOptions,
  env: Readonly<Record<string, string | undefined>>,
): { url: string; apiKey?: string; session?: ProfileSession } {
  const profile = loadProfile(env, flags.profile ?? (env.FLEETPORT_PROFILE || undefined));
  const url = checkedUrl(flags.url ?? (env.FLEETPORT_URL || undefined) ?? profile.url ?? DEFAULT_URL);
  const apiKey = flags.apiKey ?? (env.FLEETPORT_API_KEY || undefined) ?? profile.apiKey;
  if (apiKey) return { url, apiKey };
  if (profile.session) return { url, session: profile.session };
  throw new UsageError(
    'no API key: pass --api-key, set FLEETPORT_API_KEY, name a profile with --profile, or sign in with `fleetport login`',
    'missing_api_key',
  );
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
