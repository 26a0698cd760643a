type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => equal(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && equal(a[key], b[key]))
    );
  }
  return false;
}

/**
 * The JSON merge patch (RFC 7396) that turns `from` into `to`: removed keys become null,
 * objects are patched key by key, anything else is replaced. Null values cannot be
 * expressed in a merge patch (null removes), so the editor refuses them first.
 */
export function mergePatch(from: Readonly<Record<string, Json>>, to: Readonly<Record<string, Json>>) {
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (isObject(before) && isObject(value)) {
      const inner = mergePatch(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!Object.hasOwn(from, key) || !equal(before, value)) patch[key] = value;
  }
  return patch;
}

/** The path of the first null in a value (`alarm.high`), or undefined. */
export function findNull(value: Json, path = ''): string | undefined {
  if (value === null) return path || '(the document)';
  if (!isObject(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = findNull(inner, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}
