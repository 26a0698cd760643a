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
export { hasLoneSurrogate, jsonProblem, MAX_JSON_DEPTH } from './json-body.js';
export { Problem, toProblem } from './problem.js';
