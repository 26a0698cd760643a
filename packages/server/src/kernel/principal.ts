// Who is calling: the edges (http/, mqtt/) authenticate to these, and modules authorize
// against them, so they sit in the kernel where both can import them (issue 18).

/** What an API key may do. Each scope includes the ones below it. */
export type Scope = 'reader' | 'operator' | 'admin';

export const scopes: readonly Scope[] = ['reader', 'operator', 'admin'];

/** The authenticated caller of a request. */
export interface Principal {
  readonly keyId: string;
  readonly tenantId: string;
  readonly scope: Scope;
  /** The bootstrap key: may also create tenants and keys for them. */
  readonly system: boolean;
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
