/** One JSON line per event on stdout, like the server's logs, so the same tools read both. */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** A logger writing JSON lines to `out`; `quiet` drops info lines. */
export function jsonLogger(out: { write(line: string): unknown }, { quiet = false } = {}): Logger {
  const line = (level: string, msg: string, fields: Readonly<Record<string, unknown>> | undefined) =>
    out.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  return {
    info: (msg, fields) => {
      if (!quiet) line('info', msg, fields);
    },
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
  };
}
