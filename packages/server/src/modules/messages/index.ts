export { expandMessageChanges } from './message-changes.js';
export { registerMessageRoutes } from './message-routes.js';
export type { DeviceStateView, MessageView, ReceptionView } from './message-schemas.js';
export { getDeviceState, getMessage, listHistory, type MessageDeps } from './message-service.js';
export { type MessageRow, presentMessage, type ReceptionRow } from './present-message.js';
export type { StreamOptions } from './stream-routes.js';
