import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oweCleanup } from '../support/cleanup.js';

/** The repository root: child scripts run from here so that `--import tsx` resolves. */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Open files wanted by a broker or a load process: 10,000 connections plus spare. The
 * launcher lowers it to the hard limit when that is smaller; `hardFileLimit` tells whether
 * the idle-connection measurement can run at all.
 */
export const WANTED_FILE_LIMIT = 20_000;

/** The hard limit on open files a child may raise its soft limit to (`ulimit -Hn`). */
export function hardFileLimit(): number {
  const out = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out);
}

// `$1` is the wanted limit, the rest is the command; `exec` keeps the pid, so the pid we
// get is the broker's own (its /proc entry is what the memory figures read).
const RAISE_AND_EXEC =
  'want=$1; shift; hard=$(ulimit -Hn); if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi; ulimit -n "$want" && exec "$@"';

/** A child process we started, stopped on Ctrl-C by the harness's owed cleanups. */
export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last few kilobytes the child wrote to stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the exit code (or the signal's name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `command` with its soft open-files limit raised (through `bash -c 'ulimit -n …;
 * exec …'`), capturing stderr. Non-shell arguments are passed as arguments, never quoted
 * into a script.
 */
export function spawnWithFileLimit(
  command: string,
  args: readonly string[],
  { stdin = 'ignore' }: { readonly stdin?: 'ignore' | 'pipe' } = {},
): Spawned {
  return track(
    spawn('bash', ['-c', RAISE_AND_EXEC, 'bash', String(WANTED_FILE_LIMIT), command, ...args], {
      cwd: REPO_ROOT,
      stdio: [stdin, 'pipe', 'pipe'],
    }),
  );
}

/** Wraps a child spawned with stderr as a pipe: keeps its stderr tail, its exit, a stop. */
export function track(child: ChildProcess): Spawned {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the child process could not be started');
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', function keepTail(chunk: string) {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 5000) => {
    if (isRunning()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (isRunning()) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    }
    settled();
  };
  const settled = oweCleanup(async function killChild() {
    if (isRunning()) child.kill('SIGKILL');
  });
  return { child, pid, stderrTail: () => stderr.trim(), exited, stop };
}

/** A free TCP port on the loopback interface (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe listener'));
      });
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves after `ms` without keeping the process alive meanwhile: for the losing side of
 * a race, which must not hold the benchmark's exit back until it fires.
 */
export const deadline = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Waits until something accepts TCP connections on `port`; rejects with `onExit`'s message
 * if `child` exits first, or after `timeoutMs`.
 */
export async function waitForPort(
  port: number,
  child: Spawned,
  timeoutMs: number,
  onExit: (status: number | string) => Error,
): Promise<void> {
  let exitStatus: number | string | undefined;
  void child.exited.then((status) => {
    exitStatus = status;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitStatus !== undefined) throw onExit(exitStatus);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  if (exitStatus !== undefined) throw onExit(exitStatus);
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
}

/** Resident memory of a process in bytes, from `VmRSS` in /proc/PID/status. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/**
 * CPU time (user + system) a process has used, in seconds, from /proc/PID/stat. Linux
 * reports it in clock ticks of USER_HZ, which is 100 on every architecture Node runs on.
 */
export function readCpuSeconds(pid: number): number {
  const { user, system } = readCpuSplit(pid);
  return user + system;
}

/** `readCpuSeconds` as its two parts: user time and system (kernel) time, in seconds. */
export function readCpuSplit(pid: number): { readonly user: number; readonly system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its ')' do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12th and 13th after the name.
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Reads lines from a stream one at a time, in order. */
export function lineReader(stream: NodeJS.ReadableStream): () => Promise<string> {
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return () => {
    const line = lines.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
}

/**
 * Time the main thread of a process has spent on a CPU and waiting for one while runnable,
 * in seconds, from /proc/PID/schedstat (nanoseconds). Their sum over a window near the
 * window's length means the thread never waited for work: on a shared machine it tells a
 * thread starved of CPU from one with nothing to do.
 */
export function readSchedSeconds(pid: number): { readonly running: number; readonly waiting: number } {
  const [running = '0', waiting = '0'] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
  return { running: Number(running) / 1e9, waiting: Number(waiting) / 1e9 };
}
