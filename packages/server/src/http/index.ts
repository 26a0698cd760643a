export {
  type Authenticate,
  type AuthenticateCallback,
  type AuthenticateDevice,
  type AuthenticateSession,
  type Authenticators,
  CSRF_HEADER,
  callbackOf,
  cookieOf,
  deviceOf,
  principalOf,
  SESSION_COOKIE,
  type SessionAuthentication,
} from './auth.js';
export { type App, type BuildAppOptions, buildApp } from './build-app.js';
export { type ConsoleOptions, locateConsole, serveConsole } from './console-assets.js';
export { toAppError } from './error-handler.js';
export { hasLoneSurrogate, jsonProblem, MAX_JSON_DEPTH, parseJsonBody } from './json-body.js';
export { Problem, toProblem } from './problem.js';
export { buildValidatorCompiler } from './validators.js';
