export {
  Broker,
  type BrokerOptions,
  type ClientInfo,
  type ListenOptions,
  type ServerPublish,
} from './broker.js';
export { type BrokerLimits, type BrokerMetrics, defaultLimits } from './broker-core.js';
export type { ConnectionMeta } from './client.js';
export {
  type AuthenticateInput,
  type BrokerHooks,
  type CapturedPublish,
  type CaptureVerdict,
  isExcepted,
  isRefusal,
  type ListenerKind,
  openHooks,
  type Principal,
  type PublishOrigin,
  type Refusal,
  type SubscribeVerdict,
} from './hooks.js';
export { MemoryPersistence } from './memory-persistence.js';
export type {
  BrokerPersistence,
  MessageProperties,
  OutgoingRecord,
  OutgoingWrite,
  RetainedRecord,
  SessionKey,
  SessionRecord,
  StoredMessage,
  StoredSession,
  SubscriptionRecord,
} from './persistence.js';
export { ReasonCode } from './reason-codes.js';
export {
  filterCovers,
  filtersOverlap,
  isValidTopicFilter,
  isValidTopicName,
  topicMatches,
} from './topics.js';
