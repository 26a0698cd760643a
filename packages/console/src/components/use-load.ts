import { useEffect, useState } from 'preact/hooks';
import { isAbort } from '../api.js';

export interface Loaded<T> {
  /** null until the first answer. */
  readonly value: T | null;
  readonly error: unknown;
  /** Replaces the value in place (after a write answered with the new state). */
  readonly set: (update: (value: T | null) => T | null) => void;
  /** Reads again. */
  readonly reload: () => void;
}

/** A read when the page opens and when `deps` change, aborted when the page goes. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    const stop = new AbortController();
    load(stop.signal).then(
      (loaded) => {
        setValue(() => loaded);
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure) && !stop.signal.aborted) setError(failure);
      },
    );
    return () => stop.abort();
  }, [...deps, round]);
  return { value, error, set: (update) => setValue(update), reload: () => setRound((n) => n + 1) };
}
