import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ProblemMessage } from './problem.js';

/**
 * A page whose code is fetched the first time it is shown (Vite splits a dynamic import
 * into its own chunk), so the first load carries only the pages most visits need.
 */
export function lazyPage<P extends object>(
  load: () => Promise<ComponentType<P>>,
  { focus = true }: { readonly focus?: boolean } = {},
): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (Page) return;
      load().then(
        (component) => {
          loaded = component;
          setPage(() => component);
        },
        (failure: unknown) =>
          setError(new Error(`This page could not be loaded (${String(failure)}): reload to try again.`)),
      );
    }, [Page]);
    // The app focuses a page's heading when the address changes; this one came later.
    // A part of a page (focus: false) leaves the focus where the operator is.
    const [late] = useState(() => focus && loaded === undefined);
    useEffect(() => {
      if (Page && late) document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
    }, [Page, late]);
    if (Page) return <Page {...props} />;
    return error ? <ProblemMessage error={error} /> : <p aria-live="polite">Loading…</p>;
  };
}
