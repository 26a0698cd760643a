export { type ChangeDeps, type RecordChange, readFeed, writeWithChanges } from './change-feed.js';
export { registerChangeRoutes } from './change-routes.js';
export type { Change, ChangeKind } from './change-schemas.js';
export type { ChangeEntry } from './change-store.js';
