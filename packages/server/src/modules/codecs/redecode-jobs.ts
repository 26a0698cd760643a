import { AppError, notFound, prefixedId } from '../../kernel/index.js';
import type { JobView, RedecodeBody } from './codec-schemas.js';
import {
  countDeviceMessages,
  type DeviceMessageRange,
  deviceExists,
  findJob,
  findTypeCodec,
  insertJob,
  interruptUnfinishedJobs,
  type JobRow,
  listDeviceIdsOfType,
  pageDeviceMessages,
  updateJob,
} from './codec-store.js';
import type { DecodeDeps, DecodeService } from './decode-service.js';

const iso = (ms: number) => new Date(ms).toISOString();
const PAGE = 256;

export type RedecodeTarget = { readonly typeId: string } | { readonly deviceId: string };

interface JobParams {
  readonly from: number | null;
  readonly to: number | null;
}

function presentJob(row: JobRow): JobView {
  const params = JSON.parse(row.params) as JobParams;
  const target = JSON.parse(row.target) as JobView['target'];
  return {
    id: row.id,
    kind: 'redecode',
    target,
    from: params.from === null ? null : iso(params.from),
    to: params.to === null ? null : iso(params.to),
    state: row.state as JobView['state'],
    total: Number(row.total),
    done: Number(row.done),
    failed: Number(row.failed),
    error: row.error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
  };
}

function instant(value: string | undefined, field: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new AppError('validation_failed', `${field} is not an RFC 3339 date-time`, { field });
  return ms;
}

/**
 * Re-decode jobs: decode a device type's or a device's stored messages again with the
 * type's current codec, replacing what was stored, with progress in the `jobs` table.
 * Jobs run one at a time, in the order they were started, sharing the worker pool with
 * live decoding. A job the server stopped during is `interrupted` at the next start.
 */
export class RedecodeJobs {
  readonly #deps: DecodeDeps;
  readonly #decoder: DecodeService;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: DecodeDeps, decoder: DecodeService) {
    this.#deps = deps;
    this.#decoder = decoder;
  }

  /** Marks jobs an earlier process left unfinished as interrupted. */
  async start(): Promise<void> {
    const interrupted = await interruptUnfinishedJobs(this.#deps.store, this.#deps.clock.now());
    if (interrupted > 0)
      this.#deps.logger.warn({ jobs: interrupted }, 're-decode jobs were interrupted by a restart');
  }

  /** Starts a re-decode; answers at once with the queued job. */
  async create(
    tenantId: string,
    keyId: string,
    target: RedecodeTarget,
    body: RedecodeBody,
  ): Promise<JobView> {
    const from = instant(body.from, 'from');
    const to = instant(body.to, 'to');
    if (from !== null && to !== null && from > to) {
      throw new AppError('validation_failed', 'from must not be after to', { field: 'from' });
    }
    if ('typeId' in target) {
      if (!(await findTypeCodec(this.#deps.store, tenantId, target.typeId)))
        throw notFound('device type', target.typeId);
    } else if (!(await deviceExists(this.#deps.store, tenantId, target.deviceId))) {
      throw notFound('device', target.deviceId);
    }
    const now = this.#deps.clock.now();
    const row: JobRow = {
      id: prefixedId('job'),
      tenant_id: tenantId,
      kind: 'redecode',
      target: JSON.stringify(target),
      params: JSON.stringify({ from, to } satisfies JobParams),
      state: 'queued',
      total: 0,
      done: 0,
      failed: 0,
      error: null,
      created_by: keyId,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    await insertJob(this.#deps.store, row);
    this.#chain = this.#chain.then(() => this.#run(row, target, { from, to }));
    return presentJob(row);
  }

  /** A job of the tenant. */
  async get(tenantId: string, id: string): Promise<JobView> {
    const row = await findJob(this.#deps.store, tenantId, id);
    if (!row) throw notFound('job', id);
    return presentJob(row);
  }

  /** Stops after the page in progress; the job is left `interrupted`. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
  }

  async #run(row: JobRow, target: RedecodeTarget, params: JobParams): Promise<void> {
    const { store, clock, logger } = this.#deps;
    const tenantId = row.tenant_id;
    try {
      if (this.#closed) return;
      const deviceIds =
        'typeId' in target ? await listDeviceIdsOfType(store, tenantId, target.typeId) : [target.deviceId];
      const ranges: DeviceMessageRange[] = deviceIds.map((deviceId) => ({
        tenantId,
        deviceId,
        typeId: 'typeId' in target ? target.typeId : undefined,
        from: params.from ?? undefined,
        to: params.to ?? undefined,
      }));
      let total = 0;
      for (const range of ranges) total += await countDeviceMessages(store, range);
      await updateJob(store, row.id, { state: 'running', total, updated_at: clock.now() });
      let done = 0;
      let failed = 0;
      for (const range of ranges) {
        let after: { receivedAt: number; id: string } | undefined;
        for (;;) {
          if (this.#closed) {
            await updateJob(store, row.id, {
              state: 'interrupted',
              error: 'the server stopped during the job',
              updated_at: clock.now(),
              finished_at: clock.now(),
            });
            return;
          }
          const page = await pageDeviceMessages(store, range, after, PAGE);
          if (page.length === 0) break;
          const result = await this.#decoder.decodeAndStore(page);
          // Messages of a type without a codec count as done: there is nothing to decode.
          done += page.length;
          failed += result.failed;
          await updateJob(store, row.id, { done, failed, updated_at: clock.now() });
          const last = page.at(-1);
          if (!last || page.length < PAGE) break;
          after = { receivedAt: last.received_at, id: last.id };
        }
      }
      await updateJob(store, row.id, {
        state: 'succeeded',
        done,
        failed,
        updated_at: clock.now(),
        finished_at: clock.now(),
      });
    } catch (error) {
      logger.error({ err: error, job: row.id }, 're-decode job failed');
      await updateJob(store, row.id, {
        state: 'failed',
        error: error instanceof Error ? error.message : String(error),
        updated_at: clock.now(),
        finished_at: clock.now(),
      }).catch(() => {});
    }
  }
}
