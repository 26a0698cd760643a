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
  type ConnectedEvent,
  type ConnectionEvent,
  type DeliveredEvent,
  type DisconnectedEvent,
  type DisconnectReason,
  isExcepted,
  isRefusal,
  type ListenerKind,
  openHooks,
  type Principal,
  type PublishOrigin,
  type Refusal,
  type SubscribedEvent,
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
export { type BrokerRouting, InProcessRouting, type LocalRouter } from './routing.js';
export {
  filterCovers,
  filtersOverlap,
  isValidTopicFilter,
  isValidTopicName,
  topicMatches,
} from './topics.js';
