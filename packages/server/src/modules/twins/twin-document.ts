import { AppError } from '../../kernel/errors.js';

/** A JSON object as twins store it: desired or reported properties. */
export type TwinDocument = { readonly [key: string]: unknown };

/** The last update of one top-level property: when (Unix ms) and at which document version. */
export interface PropertyMeta {
  readonly updatedAt: number;
  readonly version: number;
}

export type TwinMetadata = { readonly [property: string]: PropertyMeta };

/** Serialized size of desired, and of reported, at most (UTF-8 bytes of its JSON). */
export const MAX_TWIN_BYTES = 16 * 1024;
/** Nesting of a document, at most: the document itself is level 1, `{"a":{"b":1}}` is 2. */
export const MAX_TWIN_DEPTH = 8;
/** Top-level properties of a document, at most: each desired one is a tracked parameter. */
export const MAX_TWIN_PROPERTIES = 100;
/** Length of a property name (any level), at most. */
export const MAX_TWIN_KEY = 128;

/** Which document a check or a write is about, for messages and `data.document`. */
export type TwinSide = 'desired' | 'reported';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Depth of a JSON value: 0 for a scalar, 1 for a flat object or array. Callers bound it first (the JSON parser refuses 64). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** The first key at any level that is empty or too long, if any. */
function badKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = badKey(item);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key.length === 0 || key.length > MAX_TWIN_KEY) return key;
    const bad = badKey(child);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * Checks a patch as sent: a JSON object, top-level names not starting with `$` (reserved
 * for `$version` and the like), no key empty or over 128 characters, within the depth
 * limit. Refusals carry `validation_failed` or `twin_too_deep`.
 */
export function checkPatch(side: TwinSide, patch: unknown): asserts patch is TwinDocument {
  if (!isObject(patch))
    throw new AppError('validation_failed', `a ${side} patch must be a JSON object`, {
      document: side,
      field: side,
    });
  for (const key of Object.keys(patch)) {
    if (key.startsWith('$'))
      throw new AppError('validation_failed', `'${key}': property names starting with '$' are reserved`, {
        document: side,
        field: key,
      });
  }
  const bad = badKey(patch);
  if (bad !== undefined)
    throw new AppError(
      'validation_failed',
      `property names must have 1 to ${MAX_TWIN_KEY} characters ('${bad.slice(0, 40)}' has ${bad.length})`,
      { document: side, field: bad.slice(0, MAX_TWIN_KEY) },
    );
  checkDepth(side, patch);
}

function checkDepth(side: TwinSide, document: TwinDocument): void {
  const depth = depthOf(document);
  if (depth > MAX_TWIN_DEPTH)
    throw new AppError('twin_too_deep', `${side} would nest ${depth} levels; at most ${MAX_TWIN_DEPTH}`, {
      document: side,
      depth,
      maxDepth: MAX_TWIN_DEPTH,
    });
}

/** Checks a document about to be stored against the size, property-count and depth limits. */
export function checkDocument(side: TwinSide, document: TwinDocument): string {
  checkDepth(side, document);
  const properties = Object.keys(document).length;
  if (properties > MAX_TWIN_PROPERTIES)
    throw new AppError(
      'twin_too_large',
      `${side} would have ${properties} properties; at most ${MAX_TWIN_PROPERTIES}`,
      { document: side, properties, maxProperties: MAX_TWIN_PROPERTIES },
    );
  const text = JSON.stringify(document);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_TWIN_BYTES)
    throw new AppError('twin_too_large', `${side} would take ${bytes} bytes; at most ${MAX_TWIN_BYTES}`, {
      document: side,
      bytes,
      maxBytes: MAX_TWIN_BYTES,
    });
  return text;
}

/**
 * RFC 7396 JSON merge patch: `null` removes a member, an object merges into an object
 * (replacing anything else), any other value replaces. Returns a new value.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Structural equality of JSON values (object member order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]));
}

/** The outcome of applying a patch: the new document and the top-level properties it changed. */
export interface PatchOutcome {
  readonly document: TwinDocument;
  readonly metadata: TwinMetadata;
  /** Top-level properties whose value changed (set, changed or removed). */
  readonly changed: readonly string[];
  /** Top-level properties of the patch left alone because a newer value is stored (reported only). */
  readonly stale: readonly string[];
}

/**
 * Applies a merge patch to a document, top-level property by property. Each changed
 * property's metadata gets `at` and `version`. With `newerWins`, a property whose stored
 * value is newer than `at` is kept (late or replayed readings never overwrite newer ones).
 */
export function applyPatch(
  document: TwinDocument,
  metadata: TwinMetadata,
  patch: TwinDocument,
  { at, version, newerWins }: { at: number; version: number; newerWins: boolean },
): PatchOutcome {
  const next: Record<string, unknown> = { ...document };
  const meta: Record<string, PropertyMeta> = { ...metadata };
  const changed: string[] = [];
  const stale: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const known = meta[key];
    if (newerWins && known !== undefined && known.updatedAt > at) {
      stale.push(key);
      continue;
    }
    const before = next[key];
    if (value === null) {
      if (!Object.hasOwn(next, key)) continue;
      delete next[key];
      delete meta[key];
      changed.push(key);
      continue;
    }
    const after = mergePatch(before, value);
    if (Object.hasOwn(next, key) && jsonEqual(before, after)) continue;
    next[key] = after;
    meta[key] = { updatedAt: at, version };
    changed.push(key);
  }
  return { document: next, metadata: meta, changed, stale };
}

/** The desired properties whose value differs from reported (top-level), in desired's order. */
export function deltaOf(desired: TwinDocument, reported: TwinDocument): Record<string, unknown> {
  const delta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (!Object.hasOwn(reported, key) || !jsonEqual(value, reported[key])) delta[key] = value;
  }
  return delta;
}
