export { type ChangeDeps, type RecordChange, readFeed, writeWithChanges } from './change-feed.js';
export { registerChangeRoutes } from './change-routes.js';
export { type Change, type ChangeKind, changeKinds } from './change-schemas.js';
export { appendChanges, type ChangeEntry } from './change-store.js';
