export { registerDevicePollRoutes } from './command-http.js';
export { DirectMethods, type MethodAnswer } from './command-methods.js';
export { ACK_SUBTREE, commandMessage, MqttCommands, type MqttPorts } from './command-mqtt.js';
export { registerCommandRoutes, registerMethodRoutes } from './command-routes.js';
export type { Command, CommandStatus, Transport } from './command-schemas.js';
export { CommandBody } from './command-schemas.js';
export {
  type AcknowledgeItem,
  type AcknowledgeOutcome,
  type CommandDeps,
  CommandService,
  type DownlinkEncoder,
  type Outgoing,
  presentCommand,
} from './command-service.js';
export { SigfoxCommands, type SigfoxCommandsOptions } from './command-sigfox.js';
export type { CommandRow } from './command-store.js';
