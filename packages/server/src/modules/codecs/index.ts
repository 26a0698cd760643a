export type {
  CodecKind,
  CodecSource,
  DecodeResult,
  DownlinkDecodeInput,
  DownlinkEncodeInput,
  EncodeResult,
  UplinkInput,
} from './codec.js';
export { registerCodecRoutes } from './codec-routes.js';
export { CodecRunner, type RunnableCodec } from './codec-runner.js';
export { DecodedSchema, type DecodedView, JobView as RedecodeJobView } from './codec-schemas.js';
export { CodecService, validateCodec } from './codec-service.js';
export { findDecodes, type MessageDecodeRow } from './codec-store.js';
export { Codecs, type CodecsOptions } from './codecs.js';
export {
  type DecodeDeps,
  DecodeService,
  type DecodeServiceOptions,
  type DecodeStats,
} from './decode-service.js';
export { RedecodeJobs, type RedecodeTarget } from './redecode-jobs.js';
