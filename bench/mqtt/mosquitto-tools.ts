import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Where the Mosquitto programs the benchmark runs were found. */
export interface MosquittoTools {
  readonly mosquitto: string;
  readonly pub: string;
  readonly sub: string;
  /** e.g. `2.0.11`, from `mosquitto -h`. */
  readonly version: string;
}

/** What to do when they are missing; also in bench/README.md. */
export const INSTALL_HINT =
  'install them with `sudo apt-get install mosquitto mosquitto-clients` (Debian, Ubuntu; the ' +
  "package's own service is not needed and may stay stopped: the benchmark starts its own broker " +
  'on a free loopback port), `brew install mosquitto` (macOS) or from https://mosquitto.org/download/';

function findExecutable(name: string): string | undefined {
  // Debian installs the broker in /usr/sbin, which is not on an ordinary user's PATH.
  const directories = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = path.join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/**
 * Finds `mosquitto`, `mosquitto_pub` and `mosquitto_sub`, or throws one error naming the
 * missing ones and how to install them.
 */
export function requireMosquittoTools(): MosquittoTools {
  const found = {
    mosquitto: findExecutable('mosquitto'),
    pub: findExecutable('mosquitto_pub'),
    sub: findExecutable('mosquitto_sub'),
  };
  const missing = Object.entries({
    mosquitto: found.mosquitto,
    mosquitto_pub: found.pub,
    mosquitto_sub: found.sub,
  })
    .filter(([, where]) => where === undefined)
    .map(([name]) => name);
  if (found.mosquitto === undefined || found.pub === undefined || found.sub === undefined) {
    throw new Error(
      `the mqtt benchmark needs Mosquitto and its command-line clients; not found: ${missing.join(', ')}; ${INSTALL_HINT}`,
    );
  }
  // `mosquitto -h` prints its version and exits non-zero; only the text matters.
  const help = spawnSync(found.mosquitto, ['-h'], { encoding: 'utf8' });
  const version = /mosquitto version (\S+)/.exec(`${help.stdout}${help.stderr}`)?.[1] ?? 'unknown version';
  return { mosquitto: found.mosquitto, pub: found.pub, sub: found.sub, version };
}
