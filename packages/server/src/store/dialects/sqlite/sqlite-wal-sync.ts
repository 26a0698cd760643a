import { closeSync, fdatasync, openSync } from 'node:fs';
import { AppError } from '../../../kernel/errors.js';

/**
 * Syncs a SQLite database's WAL on demand, many waiters to one fdatasync. Commits that do
 * not sync themselves (the capture writer's) wait here instead: one sync covers every
 * commit before it began, and while it runs on libuv's pool the next commits go ahead.
 * WAL recovery keeps a prefix of the log (frames carry cumulative checksums), so nothing
 * acknowledged after a sync can be lost while something earlier survives.
 */
export class WalSync {
  readonly #wal: string;
  #fd: number | undefined;
  #syncing = false;
  /** Waiters that arrived after the sync in progress began: the next sync covers them. */
  #waiting: ((error: AppError | null) => void)[] = [];
  #closed = false;

  constructor(file: string) {
    this.#wal = `${file}-wal`;
  }

  /** Resolves after an fdatasync of the WAL that started after this call; `unavailable` if it failed. */
  whenDurable(): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError('unavailable', 'the database is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push((error) => (error ? reject(error) : resolve()));
      if (!this.#syncing) this.#sync();
    });
  }

  /** Waits for a sync in progress, then lets go of the WAL. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#syncing) await new Promise((resolve) => setImmediate(resolve));
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #sync(): void {
    const covered = this.#waiting;
    this.#waiting = [];
    let fd: number;
    try {
      this.#fd ??= openSync(this.#wal, 'r');
      fd = this.#fd;
    } catch (error) {
      // No WAL yet: nothing was ever written through it, so nothing waits for the disk.
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const failed = missing ? null : syncFailed(error);
      for (const done of covered) done(failed);
      return;
    }
    this.#syncing = true;
    fdatasync(fd, (error) => {
      this.#syncing = false;
      const failed = error ? syncFailed(error) : null;
      for (const done of covered) done(failed);
      if (this.#waiting.length > 0) this.#sync();
    });
  }
}

/** Why a commit that is not on disk is not acknowledged: the sender retries it. */
function syncFailed(error: unknown): AppError {
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('unavailable', `the database could not be synced: ${message}`);
}
