export {
  CodecPool,
  type CodecPoolOptions,
  locateWorkerEntry,
  type PoolCodec,
  type WorkerEntry,
} from './codec-pool.js';
export {
  type CallOp,
  type CodecFunctionName,
  type InspectResult,
  JavaScriptCodec,
  type JavaScriptEncodeInput,
} from './javascript-codec.js';
export { JavaScriptSandbox } from './javascript-sandbox.js';
export {
  DEFAULT_SANDBOX_LIMITS,
  type SandboxErrorCode,
  type SandboxLimits,
  sandboxError,
  sandboxErrorCode,
} from './sandbox-limits.js';
export { type JavaScriptCodecValidation, validateJavaScriptCodec } from './validate-javascript-codec.js';
