export {
  CallbackAuthenticator,
  type CallbackSecretDeps,
  registerCallbackSecretRoutes,
} from './callback-secrets.js';
export type { CaptureOrderKey } from './capture-order.js';
export { type CaptureDeps, CapturePipeline } from './capture-pipeline.js';
export {
  type CaptureWriter,
  POSTGRES_BATCHES_IN_FLIGHT,
  SqliteCaptureWriter,
  storeCaptureWriter,
} from './capture-writer.js';
export type { CaptureOutcome, Delivery, Frame, Reception, Timeliness, Transport } from './frame.js';
export {
  checkFrameFields,
  type FrameFault,
  type FrameFields,
  type FrameLimits,
  type FrameWording,
  frameFault,
  frameRefusal,
  MAX_PAYLOAD_BYTES,
} from './frame-checks.js';
export { IngestBody, ingestFrame, registerIngestRoutes } from './ingest-routes.js';
export { TypeSettings } from './type-settings.js';
