/** A parsed topic filter: plain, or a shared subscription `$share/{group}/{filter}`. */
export interface ParsedFilter {
  /** The filter that is matched against topic names (without `$share/{group}/`). */
  readonly filter: string;
  /** The share name of a shared subscription, undefined otherwise. */
  readonly group: string | undefined;
}

const MAX_TOPIC_BYTES = 65_535;

/**
 * Whether a string may be a topic name in a PUBLISH: not empty, no wildcards
 * [MQTT-3.3.2-2], no U+0000 [MQTT-1.5.4-2]. A U+FFFD replacement character is refused
 * too: the parser decodes ill-formed UTF-8 to it, and ill-formed UTF-8 is a malformed
 * packet [MQTT-1.5.4-1] (this also refuses a literal U+FFFD, which no real client uses).
 */
export function isValidTopicName(topic: string): boolean {
  if (topic.length === 0 || topic.length > MAX_TOPIC_BYTES) return false;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b /* + */ || c === 0x23 /* # */ || c === 0 || c === 0xfffd) return false;
  }
  return true;
}

/**
 * Whether a string is a valid topic filter: `#` only last and alone in its level
 * [MQTT-4.7.1-1], `+` alone in its level [MQTT-4.7.1-2], not empty [MQTT-4.7.3-1].
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > MAX_TOPIC_BYTES) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? '';
    if (level.includes('\u0000') || level.includes('\ufffd')) return false;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/**
 * Splits a subscription filter into its share group and filter. Returns undefined when
 * it starts with `$share/` but is not a valid shared subscription: the share name must
 * be non-empty without wildcards and be followed by a filter [MQTT-4.8.2-1], [MQTT-4.8.2-2].
 */
export function parseFilter(raw: string): ParsedFilter | undefined {
  if (!raw.startsWith('$share/'))
    return isValidTopicFilter(raw) ? { filter: raw, group: undefined } : undefined;
  const rest = raw.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (group.includes('+') || group.includes('#') || !isValidTopicFilter(filter)) return undefined;
  return { filter, group };
}

/** Whether a filter contains a wildcard level. */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/**
 * Whether a topic name matches a filter. Wildcards at the first level never match
 * topics that start with `$` [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether every topic matched by `inner` is also matched by `outer` (so a policy on
 * `outer` covers a subscription to `inner`).
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === '#') return true;
    const other = n[i];
    if (other === undefined) return false;
    if (other === '#') return false;
    if (level === '+') continue;
    if (other === '+' || level !== other) return false;
  }
  return o.length === n.length;
}

/** Whether some topic name could match both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return false;
    if (p === '+' || q === '+') continue;
    if (p !== q) return false;
  }
  return true;
}
