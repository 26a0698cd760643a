/**
 * Sigfox callbacks (`POST /v1/callbacks/sigfox/{deviceTypeId}`): the DATA, DATA_ADVANCED,
 * BIDIR, SERVICE and ERROR bodies users configure in the Sigfox backend, turned into
 * frames for the capture pipeline. How to configure them: docs/SIGFOX.md.
 */
export {
  isSigfoxUplink,
  parseSigfoxCallback,
  parseSigfoxForm,
  type SigfoxCallback,
  type SigfoxCallbackKind,
  type SigfoxNotice,
  type SigfoxUplink,
  sigfoxFrame,
} from './sigfox-body.js';
export { DeviceAdmission, DeviceRefused } from './sigfox-devices.js';
export {
  type DownlinkSource,
  registerSigfoxRoutes,
  SigfoxCallbackBody,
  type SigfoxDeps,
  type SigfoxDownlinkAck,
  type SigfoxDownlinkRequest,
  type SigfoxRoutes,
  type SigfoxServiceListener,
  type SigfoxServiceNotice,
  type SigfoxUplinkStored,
} from './sigfox-routes.js';
