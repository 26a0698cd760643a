// The principal types moved to the kernel (issue 18); this keeps `./principal.js` working for
// access files under edit this session. Import from `../../kernel/principal.js` instead.
export {
  type CallbackPrincipal,
  type DevicePrincipal,
  type Principal,
  type Scope,
  scopeAllows,
  scopes,
} from '../../kernel/principal.js';
