export {
  type ChangeDeps,
  type ChangeExpander,
  type RecordChange,
  readFeed,
  writeWithChanges,
} from './change-feed.js';
export { registerChangeRoutes } from './change-routes.js';
export { type Change, type ChangeKind, changeKinds } from './change-schemas.js';
export {
  appendChanges,
  type ChangeEntry,
  latestPosition,
  positionBefore,
  storedChangeData,
} from './change-store.js';
export { DurableHorizon } from './durable-horizon.js';
export {
  type CommitWithCursor,
  type FeedBatch,
  type FeedChange,
  FeedConsumer,
  type FeedConsumerDeps,
  type FeedConsumerOptions,
  type FeedFilter,
  type FeedHandler,
  followChanges,
} from './feed-consumer.js';
