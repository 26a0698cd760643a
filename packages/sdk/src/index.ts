export {
  type ChangeFeedOptions,
  ChangeFollower,
  type ChangeFollowerOptions,
  changesSince,
} from './change-feed.js';
export { type ClientOptions, createFleetportClient, type FleetportClient, ok } from './client.js';
export type { components, operations, paths } from './generated/openapi.js';
export {
  isAbort,
  isProblem,
  type Problem,
  ProblemError,
  problemFromBody,
  readProblem,
  UnreachableError,
  unreachable,
} from './problem.js';
export { followStream, type StreamOptions, type StreamQuery, type StreamStatus } from './stream.js';
export type * from './types.js';
