export { type BackupRecord, type RecordResult, type ResyncDeps, ResyncReplay } from './resync-replay.js';
export { MAX_RECORDS, RESYNC_BODY_LIMIT, registerResyncRoutes } from './resync-routes.js';
