import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 `.cpuprofile` the summary reads. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

/** One line of the summary: self time of a function, or of everything in a place. */
export interface ProfileEntry {
  readonly name: string;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly functions: readonly ProfileEntry[];
  /** Self time by package (node_modules), source file of ours, or node internals. */
  readonly places: readonly ProfileEntry[];
  /** Total time (with everything they call) of the repository's own functions. */
  readonly ours: readonly ProfileEntry[];
}

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** `node_modules/<package>`, a file of ours relative to the repository, or a pseudo-place. */
function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = file.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = file.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? file);
  }
  return path.relative(ROOT, file);
}

function top(counts: Map<string, number>, total: number, limit: number): ProfileEntry[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, selfPercent: (hits / total) * 100 }));
}

function nameOf(node: ProfileNode): { name: string; place: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  const place = placeOf(url, functionName);
  const name =
    url === ''
      ? functionName || '(anonymous)'
      : // tsx-compiled files report every function on line 1: the line says nothing there.
        `${functionName || '(anonymous)'} ${place}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}`;
  return { name, place };
}

/**
 * Self time per function and per place, and total time of our own functions, from the
 * profile's sample counts.
 */
export function summarizeProfile(profile: Profile, file: string, limit = 25): ProfileSummary {
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { name, place } = nameOf(node);
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
  }
  // Total time: each node's subtree, counted once per function even when it recurses.
  const walk = (id: number, onStack: ReadonlySet<string>): number => {
    const node = nodes.get(id);
    if (node === undefined) return 0;
    const { name, place } = nameOf(node);
    const ours = place.startsWith('packages/') && !onStack.has(name);
    const stack = ours ? new Set([...onStack, name]) : onStack;
    let hits = node.hitCount ?? 0;
    for (const child of node.children ?? []) hits += walk(child, stack);
    if (ours) inclusive.set(name, (inclusive.get(name) ?? 0) + hits);
    return hits;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const all = Math.max(total, 1);
  return {
    file,
    functions: top(byFunction, all, limit),
    places: top(byPlace, all, limit),
    ours: top(inclusive, all, limit),
  };
}

/** Worker threads are told apart by the entry module their profile runs. */
const WORKER_ENTRIES = ['sqlite-capture-worker', 'sqlite-checkpointer', 'codec-worker'];

/** The share of a profile's samples that were not idle. */
export function busyShare(profile: Profile): number {
  let all = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    all += hits;
    if (node.callFrame.functionName === '(idle)') idle += hits;
  }
  return all === 0 ? 0 : (all - idle) / all;
}

export function workerLabel(profile: Profile, index: number): string {
  for (const node of profile.nodes) {
    const hit = WORKER_ENTRIES.find((entry) => node.callFrame.url.includes(entry));
    if (hit !== undefined) return hit;
  }
  return `worker-${index}`;
}

interface WorkerTarget {
  readonly sessionId: string;
}

/**
 * A CPU profile of this process (the server's, in the benchmarks) over one window,
 * through the inspector, so that setup and teardown stay out of it: the main thread and
 * every worker thread that did some work (the SQLite capture writer, the checkpointer,
 * codec workers), each reached through the inspector's NodeWorker domain.
 */
export class CpuProfiler {
  readonly #session = new Session();
  readonly #workers: WorkerTarget[] = [];
  readonly #waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  #nextId = 1;
  #started = false;

  async start(): Promise<void> {
    this.#session.connect();
    this.#session.on('NodeWorker.attachedToWorker', (message) => {
      this.#workers.push({ sessionId: message.params.sessionId });
    });
    this.#session.on('NodeWorker.receivedMessageFromWorker', (message) => {
      const reply = JSON.parse(message.params.message) as { id?: number; result?: unknown; error?: unknown };
      if (reply.id === undefined) return;
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
    await this.#session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    // Attachments are announced right after enable.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await this.#session.post('Profiler.enable');
    await this.#session.post('Profiler.setSamplingInterval', { interval: 200 });
    for (const worker of this.#workers) {
      await this.#inWorker(worker, 'Profiler.enable');
      await this.#inWorker(worker, 'Profiler.setSamplingInterval', { interval: 200 });
      await this.#inWorker(worker, 'Profiler.start');
    }
    await this.#session.post('Profiler.start');
    this.#started = true;
  }

  /**
   * Stops, writes `<file>` for the main thread and `<file>-<worker>.cpuprofile` for each
   * worker thread (open them in Chrome DevTools or speedscope), and summarizes each.
   */
  async stop(file: string): Promise<ProfileSummary[]> {
    if (!this.#started) return [];
    this.#started = false;
    try {
      const summaries: ProfileSummary[] = [];
      const { profile } = await this.#session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      summaries.push(summarizeProfile(profile as unknown as Profile, file));
      for (const [index, worker] of this.#workers.entries()) {
        const reply = await this.#inWorker(worker, 'Profiler.stop');
        const stopped = (reply.result as { profile?: Profile } | undefined)?.profile;
        // Threads that did next to nothing (loader threads, idle pool workers) are left out.
        if (stopped === undefined || busyShare(stopped) < 0.01) continue;
        const workerFile = file.replace(/\.cpuprofile$/, `-${workerLabel(stopped, index)}.cpuprofile`);
        writeFileSync(workerFile, JSON.stringify(stopped));
        summaries.push(summarizeProfile(stopped, workerFile));
      }
      return summaries;
    } finally {
      this.#session.disconnect();
    }
  }

  #inWorker(
    worker: WorkerTarget,
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<{ result?: unknown; error?: unknown }> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      void this.#session.post('NodeWorker.sendMessageToWorker', {
        sessionId: worker.sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    });
  }
}

/** The summary as progress lines. */
export function formatProfileSummary(summary: ProfileSummary): string[] {
  const line = (entry: ProfileEntry) => `  ${entry.selfPercent.toFixed(1).padStart(5)}%  ${entry.name}`;
  return [
    `cpu profile ${summary.file}`,
    ' self time by place:',
    ...summary.places.slice(0, 15).map(line),
    ' self time by function:',
    ...summary.functions.map(line),
    ' total time of our functions (with what they call):',
    ...summary.ours.map(line),
  ];
}
