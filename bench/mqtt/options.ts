/** An option taken out of the command line, or why it was refused. */
export type TakenOption = { readonly value: number | undefined } | { readonly error: string };

/** The values of a list option taken out of the command line (undefined when absent), or why it was refused. */
export type TakenList<T extends string> =
  | { readonly values: readonly T[] | undefined }
  | { readonly error: string };

/** Removes `--name X` or `--name=X` from `argv`, in place, and returns X (undefined when absent). */
function takeRaw(argv: string[], name: string): string | undefined {
  const flag = `--${name}`;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === flag) {
      const raw = argv[index + 1] ?? '';
      argv.splice(index, 2);
      return raw;
    }
    if (argument.startsWith(`${flag}=`)) {
      argv.splice(index, 1);
      return argument.slice(flag.length + 1);
    }
  }
  return undefined;
}

/**
 * Removes `--name N` or `--name=N` from `argv`, in place, and returns N (an integer in
 * [min, max]) or the reason it was refused.
 *
 * Why in place: the shared harness (`support/cli.ts`) parses the command line strictly and
 * knows only the options in `BenchOptions`; the mqtt benchmark's own `--messages` is taken
 * out of `process.argv` when `bench/mqtt.ts` is imported, before `bench/run.ts` hands the
 * rest to the harness. (LEAD: once `BenchOptions` gains `messages`, drop this.)
 */
export function takeIntegerOption(argv: string[], name: string, min: number, max: number): TakenOption {
  const raw = takeRaw(argv, name);
  if (raw === undefined) return { value: undefined };
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    return { error: `--${name} must be an integer from ${min} to ${max}, got '${raw}'` };
  }
  return { value };
}

/**
 * Removes `--name a,b` or `--name=a,b` from `argv`, in place (as `takeIntegerOption`),
 * and returns its comma-separated values, each one of `choices`.
 */
export function takeListOption<T extends string>(
  argv: string[],
  name: string,
  choices: readonly T[],
): TakenList<T> {
  const raw = takeRaw(argv, name);
  if (raw === undefined) return { values: undefined };
  const values: T[] = [];
  for (const part of raw.split(',')) {
    const found = choices.find((choice) => choice === part);
    if (found === undefined)
      return { error: `--${name} takes a list of ${choices.join(', ')}, got '${raw}'` };
    values.push(found);
  }
  return { values };
}
