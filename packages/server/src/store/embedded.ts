// What a worker thread of a module needs from the embedded (SQLite) store, without loading
// the PostgreSQL driver the store's index brings along, and without naming a dialect folder.
export {
  openSqliteWorkerConnection as openEmbeddedWorkerConnection,
  translateSqliteError as translateEmbeddedError,
} from './dialects/sqlite/sqlite-store.js';
