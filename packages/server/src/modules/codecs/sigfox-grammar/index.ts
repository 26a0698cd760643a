/**
 * The Sigfox custom-payload grammar as a codec kind (`sigfox`): compile a format once when
 * it is saved, then decode every uplink with it. The grammar: docs/CODECS-SIGFOX.md.
 */
export { decodeSigfoxPayload } from './sigfox-decode.js';
export {
  compileSigfoxFormat,
  SIGFOX_MAX_UPLINK_BYTES,
  type SigfoxField,
  type SigfoxFieldType,
  type SigfoxFormat,
} from './sigfox-format.js';
export {
  describeIssue,
  SigfoxFormatError,
  type SigfoxFormatIssue,
  type SigfoxFormatReason,
} from './sigfox-format-error.js';
