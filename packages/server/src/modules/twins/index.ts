export { REPORTED_CONSUMER, ReportedFromDecoded } from './reported-from-decoded.js';
export { twinConditionProviders } from './twin-conditions.js';
export type { DesiredBatchOutcome, DesiredEdit, DesiredView } from './twin-desired-batch.js';
export {
  checkDocument,
  checkPatch,
  jsonEqual,
  MAX_TWIN_BYTES,
  MAX_TWIN_DEPTH,
  MAX_TWIN_KEY,
  MAX_TWIN_PROPERTIES,
  mergePatch,
} from './twin-document.js';
export { DOWNLINKS_CONSUMER, TwinDownlinks, type TwinDownlinksDeps } from './twin-downlinks.js';
export { registerTwinMqtt, TwinMqtt, type TwinMqttDeps } from './twin-mqtt.js';
export { registerDeviceTwinRoutes, registerTwinRoutes } from './twin-routes.js';
export type { ParameterView, Twin } from './twin-schemas.js';
export { type Outstanding, type TwinDeps, TwinService } from './twin-service.js';
