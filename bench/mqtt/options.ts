/** An option taken out of the command line, or why it was refused. */
export type TakenOption = { readonly value: number | undefined } | { readonly error: string };

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
  const flag = `--${name}`;
  let raw: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === flag) {
      raw = argv[index + 1] ?? '';
      argv.splice(index, 2);
      break;
    }
    if (argument.startsWith(`${flag}=`)) {
      raw = argument.slice(flag.length + 1);
      argv.splice(index, 1);
      break;
    }
  }
  if (raw === undefined) return { value: undefined };
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    return { error: `${flag} must be an integer from ${min} to ${max}, got '${raw}'` };
  }
  return { value };
}
