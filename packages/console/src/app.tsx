import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError } from './api.js';
import { Link } from './components/link.js';
import { DevicePage } from './pages/device.js';
import { Devices } from './pages/devices.js';
import { Overview } from './pages/overview.js';
import { SignIn } from './pages/sign-in.js';
import { useLocation } from './router.js';
import { forgetKey, rememberKey, storedKey } from './session.js';
import type { WhoAmI } from './types.js';

/** The console: sign-in until a key is accepted, then the page the address names. */
export function App() {
  const [api, setApi] = useState<Api | null>(() => {
    const key = storedKey();
    return key ? new Api(key) : null;
  });
  const [me, setMe] = useState<WhoAmI | null>(null);
  const { path, query } = useLocation();

  function signOut() {
    forgetKey();
    setApi(null);
    setMe(null);
  }

  // A key kept from before a reload is asked about again: a revoked key signs out.
  useEffect(() => {
    if (!api || me) return;
    api.get<WhoAmI>('/v1/me').then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) signOut();
    });
  }, [api, me]);

  // Each page moves focus to its heading, so that keyboard and screen-reader users start there.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [path]);

  if (!api)
    return (
      <SignIn
        onSignedIn={(signedIn, who, key) => {
          rememberKey(key);
          setMe(who);
          setApi(signedIn);
        }}
      />
    );

  const device = /^\/devices\/(.+)$/.exec(path);
  let page = <NotFound path={path} />;
  let title = 'Not found';
  if (path === '/') {
    page = <Overview api={api} />;
    title = 'Overview';
  } else if (path === '/devices') {
    page = <Devices api={api} query={query} />;
    title = 'Devices';
  } else if (device?.[1]) {
    const id = decodeURIComponent(device[1]);
    page = <DevicePage api={api} deviceId={id} key={id} />;
    title = id;
  }
  document.title = `${title} · Fleetport`;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Fleetport
        </Link>
        <nav aria-label="Main">
          <Link href="/" current={path === '/'}>
            Overview
          </Link>
          <Link href="/devices" current={path.startsWith('/devices')}>
            Devices
          </Link>
        </nav>
        <span class="who" data-testid="who">
          {me ? `${me.tenantId} · ${me.scope}` : ''}
        </span>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

function NotFound({ path }: { readonly path: string }) {
  return (
    <>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        The console has no page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </>
  );
}
