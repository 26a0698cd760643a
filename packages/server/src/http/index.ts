export {
  type Authenticate,
  type AuthenticateCallback,
  type AuthenticateDevice,
  type Authenticators,
  callbackOf,
  deviceOf,
  principalOf,
} from './auth.js';
export { type App, type BuildAppOptions, buildApp } from './build-app.js';
export { type ConsoleOptions, locateConsole, serveConsole } from './console-assets.js';
export { toAppError } from './error-handler.js';
export { hasLoneSurrogate, jsonProblem, MAX_JSON_DEPTH, parseJsonBody } from './json-body.js';
export { Problem, toProblem } from './problem.js';
export { buildValidatorCompiler } from './validators.js';
