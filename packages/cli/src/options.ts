import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number within bounds. */
export function integerIn(min: number, max: number): (value: string) => number {
  return function parseInteger(value) {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
    const parsed = Number(value.trim());
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return parsed;
  };
}

/** Commander collector for a repeatable option: each use appends. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--tag k=v` (repeatable) into a tag object; `k` alone sets an empty value. */
export function tagsFrom(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = eq === -1 ? value : value.slice(0, eq);
    if (key === '') throw new InvalidArgumentError(`--tag '${value}' needs a key, like key=value`);
    tags[key] = eq === -1 ? '' : value.slice(eq + 1);
  }
  return tags;
}

/** Commander parser for an option holding a JSON object (`--attributes '{"a":1}'`). */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError('must be a JSON object, like {"key":"value"}');
  }
  return parsed as Record<string, unknown>;
}

/** Commander parser for a version given to `--if-match` (`3` or `"3"`), sent as an ETag. */
export function versionTag(value: string): string {
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) throw new InvalidArgumentError(`expected a version number like 3, got '${value}'`);
  return `"${match[1]}"`;
}

/** Commander parser for an ISO 8601 date-time, normalised to UTC. */
export function isoDateTime(value: string): string {
  const time = Date.parse(value);
  if (!Number.isFinite(time))
    throw new InvalidArgumentError(`expected an ISO 8601 date-time, got '${value}'`);
  return new Date(time).toISOString();
}

/** Commander parser factory for one of a fixed set of words. */
export function oneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return function parseChoice(value) {
    const found = values.find((v) => v === value);
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return found;
  };
}
