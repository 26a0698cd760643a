// Who is calling: the edges (http/, mqtt/) authenticate to these, and modules authorize
// against them, so they sit in the kernel where both can import them (issue 18).

/** What an API key may do. Each scope includes the ones below it. */
export type Scope = 'reader' | 'operator' | 'admin';

export const scopes: readonly Scope[] = ['reader', 'operator', 'admin'];

/** A user signed in to the console, behind a request's principal. */
export interface PrincipalUser {
  readonly id: string;
  readonly email: string;
  /** The console session that authenticated the request. */
  readonly sessionId: string;
}

/**
 * The authenticated caller of a request: an API key, or a user's console session. Both
 * yield the same shape so that authorization (scopes today, roles later) is one check.
 */
export interface Principal {
  /**
   * Who acts, as modules record it (codec versions, alert and lifecycle history): the API
   * key's id (`key_…`), or for a console session the user's id (`usr_…`).
   */
  readonly keyId: string;
  readonly tenantId: string;
  readonly scope: Scope;
  /** The bootstrap key (or the first admin user): may also create tenants and keys for them. */
  readonly system: boolean;
  /** Set when a console session authenticated the request; absent for API keys. */
  readonly user?: PrincipalUser;
}

/** Whether a key holding `held` may do what needs `required`. */
export function scopeAllows(held: Scope, required: Scope): boolean {
  return scopes.indexOf(held) >= scopes.indexOf(required);
}

/** A device calling with one of its tokens. */
export interface DevicePrincipal {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly credentialId: string;
}

/** A network server calling back with a secret of one device type. */
export interface CallbackPrincipal {
  readonly tenantId: string;
  readonly typeId: string;
}
