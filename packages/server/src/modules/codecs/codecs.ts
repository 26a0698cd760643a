import type { Registry } from 'prom-client';
import { CodecRunner } from './codec-runner.js';
import { CodecService } from './codec-service.js';
import { type DecodeDeps, DecodeService, type DecodeServiceOptions } from './decode-service.js';
import { CodecPool, type CodecPoolOptions } from './javascript/index.js';
import { RedecodeJobs } from './redecode-jobs.js';

export interface CodecsOptions {
  /** The worker pool's options (size, limits); ignored when `pool` is given. */
  readonly pool?: CodecPoolOptions;
  readonly decode?: Omit<DecodeServiceOptions, 'metrics'>;
  /** The app's `/metrics` registry. */
  readonly metrics?: Registry;
}

/**
 * The codec module put together: one worker pool, the decoder that follows capture, the
 * service behind the codec routes and the re-decode jobs. `start` after migrations,
 * `close` after capture has closed (its last messages are then queued and checkpointed).
 */
export class Codecs {
  readonly pool: CodecPool;
  readonly decoder: DecodeService;
  readonly service: CodecService;
  readonly jobs: RedecodeJobs;

  constructor(deps: DecodeDeps, options: CodecsOptions = {}) {
    this.pool = new CodecPool(options.pool);
    const runner = new CodecRunner(this.pool);
    this.decoder = new DecodeService(deps, runner, { ...options.decode, metrics: options.metrics });
    this.service = new CodecService(deps, runner, this.decoder);
    this.jobs = new RedecodeJobs(deps, this.decoder);
  }

  /** Interrupts jobs a previous run left, starts following capture and catches up. */
  async start(): Promise<void> {
    await this.jobs.start();
    await this.decoder.start();
  }

  async close(): Promise<void> {
    await this.jobs.close();
    await this.decoder.close();
    await this.pool.close();
  }
}
