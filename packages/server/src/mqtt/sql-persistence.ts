import type { Kysely } from 'kysely';
import { guarded, type Store, transact } from '../store/store.js';
import type {
  BrokerPersistence,
  MessageProperties,
  OutgoingRecord,
  OutgoingWrite,
  RetainedRecord,
  SessionKey,
  SessionRecord,
  StoredMessage,
  StoredSession,
  SubscriptionRecord,
} from './persistence.js';

type Int = number | string | bigint;

/** The broker's tables (migration 0004-mqtt), as Kysely sees them. */
type MqttTables = {
  mqtt_sessions: {
    tenant_id: string;
    client_id: string;
    expiry_interval: Int;
    disconnected_at: Int | null;
    protocol_version: number;
  };
  mqtt_subscriptions: {
    tenant_id: string;
    client_id: string;
    filter: string;
    qos: number;
    no_local: number;
    retain_as_published: number;
    retain_handling: number;
    subscription_id: number | null;
    /** JSON array of filters, or null (migration 0007). */
    except_filters: string | null;
  };
  mqtt_outgoing: {
    tenant_id: string;
    client_id: string;
    seq: Int;
    packet_id: number;
    state: string;
    qos: number;
    retain: number;
    subscription_ids: string;
    topic: string;
    payload: Buffer;
    message_qos: number;
    message_retain: number;
    properties: string | null;
    expires_at: Int | null;
    /** 1 for a tracked message (migration 0018). */
    tracked: number;
  };
  mqtt_incoming: { tenant_id: string; client_id: string; packet_id: number };
  mqtt_retained: {
    tenant_id: string;
    topic: string;
    payload: Buffer;
    qos: number;
    properties: string | null;
    expires_at: Int | null;
  };
};

type Db = Kysely<MqttTables>;

/** Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

function num(value: Int): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: Int | null): number | null {
  return value === null ? null : num(value);
}

function encodeProperties(properties: MessageProperties | undefined): string | null {
  if (properties === undefined) return null;
  const { correlationData, ...rest } = properties;
  return JSON.stringify(
    correlationData === undefined ? rest : { ...rest, correlationData: correlationData.toString('base64') },
  );
}

function decodeProperties(text: string | null): MessageProperties | undefined {
  if (text === null) return undefined;
  const parsed = JSON.parse(text) as Omit<MessageProperties, 'correlationData'> & {
    correlationData?: string;
  };
  const { correlationData, ...rest } = parsed;
  return correlationData === undefined
    ? rest
    : { ...rest, correlationData: Buffer.from(correlationData, 'base64') };
}

function qos(value: number): 0 | 1 | 2 {
  return value === 2 ? 2 : value === 1 ? 1 : 0;
}

function outgoingRow(key: SessionKey, record: OutgoingRecord): MqttTables['mqtt_outgoing'] {
  return {
    tenant_id: key.tenantId,
    client_id: key.clientId,
    seq: record.seq,
    packet_id: record.packetId,
    state: record.state,
    qos: record.qos,
    retain: record.retain ? 1 : 0,
    subscription_ids: JSON.stringify(record.subscriptionIds),
    topic: record.message.topic,
    payload: record.message.payload,
    message_qos: record.message.qos,
    message_retain: record.message.retain ? 1 : 0,
    properties: encodeProperties(record.message.properties),
    expires_at: record.message.expiresAt,
    tracked: record.message.tracked === true ? 1 : 0,
  };
}

/**
 * Broker persistence in the Fleetport store (SQLite or PostgreSQL). Outgoing-message
 * batches are written in one transaction with multi-row inserts; nothing rewrites a whole
 * session. `close` leaves the store open: its owner closes it.
 */
export class SqlPersistence implements BrokerPersistence {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  #db(store: Store = this.#store): Db {
    return store.db.withTables<MqttTables>() as unknown as Db;
  }

  async putSession(record: SessionRecord): Promise<void> {
    await guarded(this.#store, () =>
      this.#db()
        .insertInto('mqtt_sessions')
        .values({
          tenant_id: record.tenantId,
          client_id: record.clientId,
          expiry_interval: record.expiryInterval,
          disconnected_at: record.disconnectedAt,
          protocol_version: record.protocolVersion,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'client_id']).doUpdateSet({
            expiry_interval: record.expiryInterval,
            disconnected_at: record.disconnectedAt,
            protocol_version: record.protocolVersion,
          }),
        )
        .execute(),
    );
  }

  async deleteSession(key: SessionKey): Promise<void> {
    await guarded(this.#store, () =>
      transact(this.#store, async (tx) => {
        const db = this.#db(tx);
        for (const table of [
          'mqtt_subscriptions',
          'mqtt_outgoing',
          'mqtt_incoming',
          'mqtt_sessions',
        ] as const) {
          await db
            .deleteFrom(table)
            .where('tenant_id', '=', key.tenantId)
            .where('client_id', '=', key.clientId)
            .execute();
        }
      }),
    );
  }

  async listSessions(): Promise<StoredSession[]> {
    return guarded(this.#store, async () => {
      const db = this.#db();
      const [sessions, subscriptions] = await Promise.all([
        db.selectFrom('mqtt_sessions').selectAll().execute(),
        db.selectFrom('mqtt_subscriptions').selectAll().execute(),
      ]);
      const byKey = new Map<string, SubscriptionRecord[]>();
      for (const row of subscriptions) {
        const key = `${row.tenant_id}\u0000${row.client_id}`;
        let list = byKey.get(key);
        if (list === undefined) {
          list = [];
          byKey.set(key, list);
        }
        list.push({
          filter: row.filter,
          qos: qos(row.qos),
          noLocal: row.no_local === 1,
          retainAsPublished: row.retain_as_published === 1,
          retainHandling: row.retain_handling === 2 ? 2 : row.retain_handling === 1 ? 1 : 0,
          subscriptionId: row.subscription_id ?? undefined,
          ...(row.except_filters === null ? {} : { except: JSON.parse(row.except_filters) as string[] }),
        });
      }
      return sessions.map((row) => ({
        tenantId: row.tenant_id,
        clientId: row.client_id,
        expiryInterval: num(row.expiry_interval),
        disconnectedAt: numOrNull(row.disconnected_at),
        protocolVersion: row.protocol_version === 5 ? 5 : row.protocol_version === 3 ? 3 : 4,
        subscriptions: byKey.get(`${row.tenant_id}\u0000${row.client_id}`) ?? [],
      }));
    });
  }

  async putSubscriptions(key: SessionKey, subscriptions: readonly SubscriptionRecord[]): Promise<void> {
    if (subscriptions.length === 0) return;
    await guarded(this.#store, () =>
      transact(this.#store, async (tx) => {
        const db = this.#db(tx);
        const known = await db
          .selectFrom('mqtt_sessions')
          .select('client_id')
          .where('tenant_id', '=', key.tenantId)
          .where('client_id', '=', key.clientId)
          .executeTakeFirst();
        if (known === undefined) return;
        for (const sub of subscriptions) {
          const row = {
            qos: sub.qos,
            no_local: sub.noLocal ? 1 : 0,
            retain_as_published: sub.retainAsPublished ? 1 : 0,
            retain_handling: sub.retainHandling,
            subscription_id: sub.subscriptionId ?? null,
            except_filters: sub.except === undefined ? null : JSON.stringify(sub.except),
          };
          await db
            .insertInto('mqtt_subscriptions')
            .values({ tenant_id: key.tenantId, client_id: key.clientId, filter: sub.filter, ...row })
            .onConflict((oc) => oc.columns(['tenant_id', 'client_id', 'filter']).doUpdateSet(row))
            .execute();
        }
      }),
    );
  }

  async deleteSubscriptions(key: SessionKey, filters: readonly string[]): Promise<void> {
    if (filters.length === 0) return;
    await guarded(this.#store, () =>
      this.#db()
        .deleteFrom('mqtt_subscriptions')
        .where('tenant_id', '=', key.tenantId)
        .where('client_id', '=', key.clientId)
        .where('filter', 'in', [...filters])
        .execute(),
    );
  }

  async writeOutgoing(writes: readonly OutgoingWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await guarded(this.#store, () =>
      transact(this.#store, async (tx) => {
        const db = this.#db(tx);
        const known = await this.#knownSessions(db, writes);
        let puts: MqttTables['mqtt_outgoing'][] = [];
        const flushPuts = async () => {
          for (let i = 0; i < puts.length; i += CHUNK) {
            await db
              .insertInto('mqtt_outgoing')
              .values(puts.slice(i, i + CHUNK))
              .onConflict((oc) =>
                oc.columns(['tenant_id', 'client_id', 'seq']).doUpdateSet((eb) => ({
                  packet_id: eb.ref('excluded.packet_id'),
                  state: eb.ref('excluded.state'),
                })),
              )
              .execute();
          }
          puts = [];
        };
        for (const write of writes) {
          if (!known.has(`${write.session.tenantId}\u0000${write.session.clientId}`)) continue;
          if (write.kind === 'put') {
            puts.push(outgoingRow(write.session, write.record));
            continue;
          }
          await flushPuts();
          const where = db
            .updateTable('mqtt_outgoing')
            .where('tenant_id', '=', write.session.tenantId)
            .where('client_id', '=', write.session.clientId)
            .where('seq', '=', write.seq);
          if (write.kind === 'update')
            await where.set({ packet_id: write.packetId, state: write.state }).execute();
          else
            await db
              .deleteFrom('mqtt_outgoing')
              .where('tenant_id', '=', write.session.tenantId)
              .where('client_id', '=', write.session.clientId)
              .where('seq', '=', write.seq)
              .execute();
        }
        await flushPuts();
      }),
    );
  }

  async #knownSessions(db: Db, writes: readonly OutgoingWrite[]): Promise<Set<string>> {
    const byTenant = new Map<string, Set<string>>();
    for (const write of writes) {
      let clients = byTenant.get(write.session.tenantId);
      if (clients === undefined) {
        clients = new Set();
        byTenant.set(write.session.tenantId, clients);
      }
      clients.add(write.session.clientId);
    }
    const known = new Set<string>();
    for (const [tenantId, clients] of byTenant) {
      const ids = [...clients];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db
          .selectFrom('mqtt_sessions')
          .select('client_id')
          .where('tenant_id', '=', tenantId)
          .where('client_id', 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const row of rows) known.add(`${tenantId}\u0000${row.client_id}`);
      }
    }
    return known;
  }

  async loadOutgoing(key: SessionKey): Promise<OutgoingRecord[]> {
    return guarded(this.#store, async () => {
      const rows = await this.#db()
        .selectFrom('mqtt_outgoing')
        .selectAll()
        .where('tenant_id', '=', key.tenantId)
        .where('client_id', '=', key.clientId)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        seq: num(row.seq),
        packetId: row.packet_id,
        state: row.state === 'sent' ? 'sent' : row.state === 'released' ? 'released' : 'queued',
        qos: qos(row.qos),
        retain: row.retain === 1,
        subscriptionIds: JSON.parse(row.subscription_ids) as number[],
        message: {
          topic: row.topic,
          payload: Buffer.from(row.payload),
          qos: qos(row.message_qos),
          retain: row.message_retain === 1,
          properties: decodeProperties(row.properties),
          expiresAt: numOrNull(row.expires_at),
          ...(row.tracked === 1 ? { tracked: true as const } : {}),
        },
      }));
    });
  }

  async putIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void> {
    if (packetIds.length === 0) return;
    await guarded(this.#store, () =>
      this.#db()
        .insertInto('mqtt_incoming')
        .values(packetIds.map((id) => ({ tenant_id: key.tenantId, client_id: key.clientId, packet_id: id })))
        .onConflict((oc) => oc.doNothing())
        .execute(),
    );
  }

  async deleteIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void> {
    if (packetIds.length === 0) return;
    await guarded(this.#store, () =>
      this.#db()
        .deleteFrom('mqtt_incoming')
        .where('tenant_id', '=', key.tenantId)
        .where('client_id', '=', key.clientId)
        .where('packet_id', 'in', [...packetIds])
        .execute(),
    );
  }

  async loadIncoming(key: SessionKey): Promise<number[]> {
    return guarded(this.#store, async () => {
      const rows = await this.#db()
        .selectFrom('mqtt_incoming')
        .select('packet_id')
        .where('tenant_id', '=', key.tenantId)
        .where('client_id', '=', key.clientId)
        .orderBy('packet_id')
        .execute();
      return rows.map((row) => row.packet_id);
    });
  }

  async putRetained(tenantId: string, topic: string, message: StoredMessage | null): Promise<void> {
    await guarded(this.#store, async () => {
      const db = this.#db();
      if (message === null) {
        await db
          .deleteFrom('mqtt_retained')
          .where('tenant_id', '=', tenantId)
          .where('topic', '=', topic)
          .execute();
        return;
      }
      const row = {
        payload: message.payload,
        qos: message.qos,
        properties: encodeProperties(message.properties),
        expires_at: message.expiresAt,
      };
      await db
        .insertInto('mqtt_retained')
        .values({ tenant_id: tenantId, topic, ...row })
        .onConflict((oc) => oc.columns(['tenant_id', 'topic']).doUpdateSet(row))
        .execute();
    });
  }

  async listRetained(): Promise<RetainedRecord[]> {
    return guarded(this.#store, async () => {
      const rows = await this.#db().selectFrom('mqtt_retained').selectAll().execute();
      return rows.map((row) => ({
        tenantId: row.tenant_id,
        message: {
          topic: row.topic,
          payload: Buffer.from(row.payload),
          qos: qos(row.qos),
          retain: true,
          properties: decodeProperties(row.properties),
          expiresAt: numOrNull(row.expires_at),
        },
      }));
    });
  }

  async close(): Promise<void> {}
}
