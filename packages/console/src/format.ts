const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const number = new Intl.NumberFormat();

export const formatDateTime = (iso: string | null): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const formatTime = (iso: string): string => time.format(new Date(iso));
export const formatNumber = (value: number): string => number.format(value);

/** "3 min ago", for last-seen times. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/**
 * The numbers in a decoded value, by dotted path (`battery.voltage`), at most three levels
 * deep: what a chart can draw.
 */
export function numericFields(value: unknown, prefix = '', depth = 0, into = new Map<string, number>()) {
  if (typeof value === 'number' && Number.isFinite(value) && prefix !== '') into.set(prefix, value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
    for (const [key, inner] of Object.entries(value))
      numericFields(inner, prefix ? `${prefix}.${key}` : key, depth + 1, into);
  }
  return into;
}

/** A decoded value in one short line. */
export function summarize(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
