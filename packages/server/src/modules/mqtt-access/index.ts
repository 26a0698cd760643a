export { registerBrokerMetrics } from './broker-metrics.js';
export {
  type ConnectedDevice,
  type DeviceConnectionListener,
  type DeviceIndex,
  DevicePresence,
  type DevicePresenceView,
} from './device-presence.js';
export {
  type DeviceMessage,
  DevicePublisher,
  type DeviceSender,
  type ServerPublishing,
} from './device-publisher.js';
export {
  type DevicePublish,
  type DeviceTopicHandler,
  DeviceTopicRouter,
  type TopicDevice,
} from './device-topics.js';
export {
  type ConnectedClients,
  MqttAccess,
  type MqttAccessDeps,
  type MqttAccessOptions,
} from './mqtt-access.js';
export { type ClientDirectory, registerMqttRoutes } from './mqtt-routes.js';
export type { MqttClient, TopicPolicy, TopicPolicyInput } from './mqtt-schemas.js';
export { MQTT_WEBSOCKET_PATH, serveMqttOverWebSocket } from './mqtt-websocket.js';
export { TopicPolicies, type TopicPolicyDeps } from './topic-policies.js';
export {
  deviceSubtreePolicy,
  evaluateSubscribePolicy,
  evaluateTopicPolicy,
  isServerDeviceTopic,
  isServerTopic,
  SERVER_TOPIC_ROOT,
  type TopicRule,
} from './topic-rules.js';
export { isUplinkTopic, uplinkFrame } from './uplink-frame.js';
