import { ApiError } from './api-client.js';
import { formatNumber } from './report-table.js';

/** A Fleetport server's `/metrics` as sample → value (`name{labels}` exactly as printed). */
export async function readMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text, 'GET /metrics');
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_]+(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], Number(match[2]));
  }
  return values;
}

/** The capture pipeline's batches over a window, from its histograms at the start and the end. */
export interface CaptureWindow {
  readonly batches: number;
  readonly framesPerBatch: number;
  /** Means per batch, in ms: its oldest frame's wait for the writer, until committed, until durable. */
  readonly waitMs: number;
  readonly commitMs: number;
  readonly durableMs: number;
}

export function captureWindow(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): CaptureWindow {
  const delta = (name: string) => {
    const end = after.get(name);
    if (end === undefined)
      throw new Error(`/metrics has no ${name}: is the capture pipeline's registry wired up?`);
    return end - (before.get(name) ?? 0);
  };
  const batches = delta('fleetport_capture_batch_frames_count');
  const mean = (histogram: string, scale: number) =>
    batches > 0 ? (delta(`${histogram}_sum`) * scale) / batches : 0;
  return {
    batches,
    framesPerBatch: mean('fleetport_capture_batch_frames', 1),
    waitMs: mean('fleetport_capture_batch_wait_seconds', 1000),
    commitMs: mean('fleetport_capture_batch_commit_seconds', 1000),
    durableMs: mean('fleetport_capture_batch_durable_seconds', 1000),
  };
}

export function describeCapture(window: CaptureWindow): string {
  return `capture: ${formatNumber(window.batches)} batches of ${formatNumber(window.framesPerBatch)} frames on average, each waited ${formatNumber(window.waitMs)} ms for the writer, committed after ${formatNumber(window.commitMs)} ms, durable after ${formatNumber(window.durableMs)} ms`;
}
