import { setFlagsFromString } from 'node:v8';

/** Flags by which the operator already chose the young generation's size: theirs win. */
const OPERATOR_CHOICE = /^--(max|min)[-_]semi[-_]space[-_]size\b|^--semi[-_]space[-_]growth[-_]factor\b/;

/**
 * Keeps V8's young generation (its two semi-spaces) at the size it has now, which early in
 * a process is 1–2 MB per semi-space. Call it first thing in a long-running server process,
 * before its modules load. Returns false when the operator set the size themselves
 * (`NODE_OPTIONS=--max-semi-space-size=N`, or on node's command line), which is then left alone.
 *
 * Why: V8 doubles the semi-spaces, up to 16 MB each, whenever most of the young objects
 * survive a scavenge, and that is exactly what a burst of new connections does (each one
 * allocates long-lived sockets and sessions). The 32 MB stay committed, resident, until a
 * memory-reducing GC finds the process idle, about a minute later; meanwhile they were
 * more than half of what 10,000 fresh idle MQTT connections cost (see docs/MQTT.md,
 * "Memory"). The price is CPU: about three times as many scavenges, measured as 10–15%
 * more broker CPU per message at full load (throughput in bench/mqtt.ts was unchanged,
 * the load generator being the limit there; ingest in bench/ingest.ts likewise).
 *
 * How: the growth factor is read at every growth, unlike `--max-semi-space-size`, which
 * only takes effect on node's command line; a factor of 1 grows the space to its present
 * capacity, i.e. not at all. V8 still shrinks it when the process idles.
 */
export function limitYoungGeneration(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((argument) => OPERATOR_CHOICE.test(argument))) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
