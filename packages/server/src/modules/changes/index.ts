export {
  type ChangeDeps,
  type ChangeExpander,
  type RecordChange,
  readFeed,
  writeWithChanges,
} from './change-feed.js';
export { registerChangeRoutes } from './change-routes.js';
export { type Change, type ChangeKind, changeKinds } from './change-schemas.js';
export { appendChanges, type ChangeEntry, storedChangeData } from './change-store.js';
export { DurableHorizon } from './durable-horizon.js';
