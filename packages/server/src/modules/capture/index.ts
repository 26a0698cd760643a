export {
  CallbackAuthenticator,
  type CallbackSecretDeps,
  registerCallbackSecretRoutes,
} from './callback-secrets.js';
export { type CaptureDeps, CapturePipeline } from './capture-pipeline.js';
export type { CaptureOutcome, Frame, Reception, Timeliness, Transport } from './frame.js';
export { registerIngestRoutes } from './ingest-routes.js';
export { TypeSettings } from './type-settings.js';
