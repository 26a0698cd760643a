import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError } from './api.js';
import { lazyPage } from './components/lazy.js';
import { Link } from './components/link.js';
import { DevicePage } from './pages/device.js';
import { Devices } from './pages/devices.js';
import { Overview } from './pages/overview.js';
import { SignIn } from './pages/sign-in.js';
import { useLocation } from './router.js';
import { forgetKey, rememberKey, storedKey } from './session.js';
import type { WhoAmI } from './types.js';

const DeviceTypes = lazyPage(() => import('./pages/device-types.js').then((module) => module.DeviceTypes));
const DeviceTypePage = lazyPage(() =>
  import('./pages/device-type.js').then((module) => module.DeviceTypePage),
);

const ApiKeys = lazyPage(() => import('./pages/api-keys.js').then((module) => module.ApiKeys));
const Mqtt = lazyPage(() => import('./pages/mqtt.js').then((module) => module.Mqtt));
const Changes = lazyPage(() => import('./pages/changes.js').then((module) => module.Changes));
const Alerts = lazyPage(() => import('./pages/alerts.js').then((module) => module.Alerts));
const Configurations = lazyPage(() =>
  import('./pages/configurations.js').then((module) => module.Configurations),
);
const Jobs = lazyPage(() => import('./pages/jobs.js').then((module) => module.Jobs));
const Contracts = lazyPage(() => import('./pages/contracts.js').then((module) => module.Contracts));
const Notifications = lazyPage(() =>
  import('./pages/notifications.js').then((module) => module.Notifications),
);
const Webhooks = lazyPage(() => import('./pages/webhooks.js').then((module) => module.Webhooks));

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
  const deviceType = /^\/device-types\/(.+)$/.exec(path);
  let page = <NotFound path={path} />;
  let title = 'Not found';
  if (path === '/') {
    page = <Overview api={api} />;
    title = 'Overview';
  } else if (path === '/devices') {
    page = <Devices api={api} query={query} />;
    title = 'Devices';
  } else if (path === '/device-types') {
    page = <DeviceTypes api={api} />;
    title = 'Device types';
  } else if (path === '/broker') {
    page = <Mqtt api={api} />;
    title = 'MQTT';
  } else if (path === '/keys') {
    page = <ApiKeys api={api} ownKeyId={me?.keyId} />;
    title = 'API keys';
  } else if (path === '/configurations') {
    page = <Configurations api={api} />;
    title = 'Configurations';
  } else if (path === '/jobs') {
    page = <Jobs api={api} />;
    title = 'Jobs';
  } else if (path === '/contracts') {
    page = <Contracts api={api} />;
    title = 'Contracts';
  } else if (path === '/notifications') {
    page = <Notifications api={api} />;
    title = 'Notifications';
  } else if (path === '/webhooks') {
    page = <Webhooks api={api} />;
    title = 'Webhooks';
  } else if (path === '/alerts') {
    page = <Alerts api={api} query={query} />;
    title = 'Alerts';
  } else if (path === '/changes') {
    page = <Changes api={api} />;
    title = 'Change feed';
  } else if (deviceType?.[1]) {
    const id = decodeURIComponent(deviceType[1]);
    page = <DeviceTypePage api={api} typeId={id} key={id} />;
    title = `Type ${id}`;
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
          <Link href="/device-types" current={path.startsWith('/device-types')}>
            Device types
          </Link>
          {/* Not /mqtt: that path is the broker's WebSocket listener. */}
          <Link href="/configurations" current={path === '/configurations'}>
            Configurations
          </Link>
          <Link href="/jobs" current={path === '/jobs'}>
            Jobs
          </Link>
          <Link href="/contracts" current={path === '/contracts'}>
            Contracts
          </Link>
          <Link href="/alerts" current={path === '/alerts'}>
            Alerts
          </Link>
          <Link href="/notifications" current={path === '/notifications'}>
            Notifications
          </Link>
          <Link href="/webhooks" current={path === '/webhooks'}>
            Webhooks
          </Link>
          <Link href="/broker" current={path === '/broker'}>
            MQTT
          </Link>
          <Link href="/keys" current={path === '/keys'}>
            API keys
          </Link>
          <Link href="/changes" current={path === '/changes'}>
            Changes
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
