// A process that follows the change feed with two durable consumers, for tests that kill it:
// `proc.once` records each change in `consumer_effects` in the transaction that moves its
// cursor; `proc.calls` "calls out" by appending each change to a file before its cursor moves.
// Environment: FEED_DATABASE_URL (PostgreSQL) or FEED_SQLITE_FILE, FEED_CALLS_LOG, FEED_LEASE_MS.
// The writers are other processes that commit durably, so no durable horizon is kept here.
import { appendFileSync } from 'node:fs';
import { sql } from 'kysely';
import { EventBus } from '../../src/bus/event-bus.js';
import { systemClock } from '../../src/kernel/clock.js';
import { type Logger, silentLogger } from '../../src/kernel/logger.js';
import { followChanges } from '../../src/modules/changes/index.js';
import { openPostgresStore } from '../../src/store/dialects/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/dialects/sqlite/sqlite-store.js';

const url = process.env.FEED_DATABASE_URL;
const file = process.env.FEED_SQLITE_FILE ?? '';
const callsLog = process.env.FEED_CALLS_LOG ?? '';
const leaseMs = Number(process.env.FEED_LEASE_MS ?? 1_000);

const store = url ? openPostgresStore({ url, poolSize: 4 }) : openSqliteStore({ file });
const logger: Logger = {
  ...silentLogger,
  error(obj, msg) {
    process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`);
  },
  child: () => logger,
};
const deps = { store, clock: systemClock, bus: new EventBus(), logger };
const options = { leaseMs, pollMs: 25, batchSize: 20 };

followChanges(
  deps,
  'proc.once',
  {},
  {
    effects: 'once',
    handle: (batch, commit) =>
      commit(async (tx) => {
        for (const change of batch.changes) {
          await sql`insert into consumer_effects (consumer, tenant_id, position) values ('proc.once', ${change.tenantId}, ${change.position})`.execute(
            tx.db,
          );
        }
      }),
  },
  options,
);
followChanges(
  deps,
  'proc.calls',
  {},
  {
    effects: 'at_least_once',
    async handle(batch) {
      appendFileSync(callsLog, batch.changes.map((c) => `${c.tenantId} ${c.position}\n`).join(''));
    },
  },
  options,
);
process.stdout.write('following\n');
