import { useState } from 'preact/hooks';
import { Api, ApiError } from '../api.js';
import { ProblemMessage } from '../components/problem.js';
import type { WhoAmI } from '../types.js';

export interface SignInProps {
  readonly onSignedIn: (api: Api, me: WhoAmI, key: string) => void;
}

/** Sign-in with an API key, checked with `GET /v1/me` before it is kept. */
export function SignIn({ onSignedIn }: SignInProps) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError(new ApiError(0, 'missing_key', 'Enter an API key (fpk_…).'));
      return;
    }
    setBusy(true);
    setError(null);
    const api = new Api(trimmed);
    try {
      const me = await api.get<WhoAmI>('/v1/me');
      onSignedIn(api, me, trimmed);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Sign in to Fleetport</h1>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="fpk_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error key-help' : 'key-help'}
          // biome-ignore lint/a11y/noAutofocus: the page has nothing else to do
          autoFocus
          required
        />
        <p id="key-help" class="hint">
          The bootstrap key printed at the first start, or one made with <code>fleetport keys create</code>.
          It is kept in this tab only (sessionStorage) and forgotten when the tab closes or you sign out.
        </p>
        <ProblemMessage error={error} id="sign-in-error" />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
