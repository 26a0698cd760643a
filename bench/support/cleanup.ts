/**
 * Cleanups still owed (temporary directories, databases, a PostgreSQL cluster), so an
 * interrupted run (Ctrl-C) leaves nothing behind. `finally` blocks do the normal work;
 * this is only for the signal path.
 */
const owed = new Set<() => Promise<void>>();

/** Registers a cleanup; the returned function removes it once the normal path has run it. */
export function oweCleanup(cleanup: () => Promise<void>): () => void {
  owed.add(cleanup);
  return function settled() {
    owed.delete(cleanup);
  };
}

/** Runs every cleanup still owed, newest first, ignoring their failures. */
export async function runOwedCleanups(): Promise<void> {
  for (const cleanup of [...owed].reverse()) {
    owed.delete(cleanup);
    await cleanup().catch(() => {});
  }
}
