import { AppError } from '../../kernel/errors.js';

/** Quiet hours: from `start` to `end` (HH:MM, `end` may be the next day) in a time zone. */
export interface QuietWindow {
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
}

const MINUTE = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let known = formatters.get(timeZone);
  if (known === undefined) {
    known = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, known);
  }
  return known;
}

/** `validation_failed` for a time zone Intl does not know. */
export function checkTimeZone(timeZone: string): void {
  try {
    formatter(timeZone);
  } catch {
    throw new AppError('validation_failed', `'${timeZone}' is not an IANA time zone`, {
      field: 'quietHours.timeZone',
    });
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function localMinute(at: number, timeZone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

function isQuiet(window: QuietWindow, at: number): boolean {
  const m = localMinute(at, window.timeZone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/**
 * When the quiet hours around `at` end (Unix ms), or undefined when `at` is not in them.
 * Walked a minute at a time in local time, so days that a clock change lengthens or
 * shortens end their quiet hours at the local `end` all the same.
 */
export function quietUntil(window: QuietWindow, at: number): number | undefined {
  if (!isQuiet(window, at)) return undefined;
  let t = Math.floor(at / MINUTE) * MINUTE + MINUTE;
  for (let step = 0; step < 1442; step += 1, t += MINUTE) {
    if (!isQuiet(window, t)) return t;
  }
  return t;
}
