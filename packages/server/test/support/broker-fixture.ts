import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { Broker, type BrokerOptions } from '../../src/mqtt/broker.js';
import { MemoryPersistence } from '../../src/mqtt/memory-persistence.js';
import type { BrokerPersistence } from '../../src/mqtt/persistence.js';
import { SqlPersistence } from '../../src/mqtt/sql-persistence.js';
import { connectClient, endClient, RawClient, type Received } from '../../src/mqtt/test-support.js';
import type { Store } from '../../src/store/store.js';
import { type DialectCase, openTestStore, type TestDatabase } from './databases.js';

/** What the fixture's broker is built with. */
export interface BrokerFixtureOptions {
  readonly hooks?: BrokerOptions['hooks'];
  readonly limits?: BrokerOptions['limits'];
  /**
   * Where sessions, queues and retained messages live: in memory (the default), or
   * `SqlPersistence` on a fresh database of this dialect.
   */
  readonly persistence?: 'memory' | DialectCase;
  /** A broker for each test (the default), or one for the whole suite. */
  readonly per?: 'test' | 'suite';
}

/** A started broker and the clients a test opened on it; all closed after the test (or suite). */
export interface BrokerFixture {
  readonly broker: Broker;
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`; the same across `restart()`. */
  readonly url: string;
  readonly persistence: BrokerPersistence;
  /** Connects an `mqtt` client (no reconnects), ended when the fixture closes. */
  connect(clientId: string, options?: IClientOptions, into?: Received[]): Promise<MqttClient>;
  /** Opens a raw TCP connection, closed when the fixture closes. */
  raw(protocolVersion?: 3 | 4 | 5): Promise<RawClient>;
  /**
   * Closes the broker as a shutdown does (its connections end) and starts another on the
   * same port over the same storage, reopened as a new process would (SQL: a new store).
   */
  restart(): Promise<void>;
}

interface Running {
  broker: Broker;
  port: number;
  persistence: BrokerPersistence;
}

/** Storage that outlives one broker: what a restart reopens, and what is thrown away at the end. */
interface Storage {
  open(): Promise<BrokerPersistence>;
  dispose(): Promise<void>;
}

function memoryStorage(): Storage {
  // One instance across restarts: memory is what a restarted broker in the same process keeps.
  const persistence = new MemoryPersistence();
  return { open: async () => persistence, dispose: async () => {} };
}

async function sqlStorage(dialect: DialectCase): Promise<Storage> {
  const database: TestDatabase = await dialect.create();
  const stores: Store[] = [];
  return {
    async open() {
      const store = await openTestStore(database);
      stores.push(store);
      return new SqlPersistence(store);
    },
    async dispose() {
      for (const store of stores.splice(0)) await store.close();
      await database.drop();
    },
  };
}

/**
 * A broker listening on a free loopback port, started before each test of the enclosing
 * suite (or once, with `per: 'suite'`) and closed after it with every client the test
 * opened through the fixture. Call it inside a `describe`; read its fields inside tests.
 *
 * @example
 * const mqtt = brokerFixture({ hooks: denyAll });
 * it('refuses everyone', async () => {
 *   await expect(mqtt.connect('c1')).rejects.toThrow();
 * });
 */
export function brokerFixture(options: BrokerFixtureOptions = {}): BrokerFixture {
  const { hooks, limits, persistence = 'memory', per = 'test' } = options;
  let storage: Storage | undefined;
  let running: Running | undefined;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  async function start(port: number): Promise<Running> {
    if (storage === undefined) throw new Error('brokerFixture: no storage');
    const opened = await storage.open();
    const broker = new Broker({ hooks, limits, persistence: opened });
    const { tcp } = await broker.listen({ tcp: { port, host: '127.0.0.1' } });
    if (tcp === undefined) throw new Error('brokerFixture: no TCP listener');
    return { broker, port: tcp.port, persistence: opened };
  }

  async function closeClients(): Promise<void> {
    for (const raw of raws.splice(0)) raw.close();
    await Promise.all(clients.splice(0).map((client) => endClient(client, true)));
  }

  async function setUp(): Promise<void> {
    storage = persistence === 'memory' ? memoryStorage() : await sqlStorage(persistence);
    // Port 0: the kernel picks a free one, and nothing else can take it while we listen.
    running = await start(0);
  }

  async function tearDown(): Promise<void> {
    await closeClients();
    await running?.broker.close();
    running = undefined;
    await storage?.dispose();
    storage = undefined;
  }

  if (per === 'suite') {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }

  function current(): Running {
    if (running === undefined)
      throw new Error('brokerFixture: the broker is started in beforeEach/beforeAll');
    return running;
  }

  return {
    get broker() {
      return current().broker;
    },
    get port() {
      return current().port;
    },
    get url() {
      return `mqtt://127.0.0.1:${current().port}`;
    },
    get persistence() {
      return current().persistence;
    },
    async connect(clientId, clientOptions = {}, into) {
      const client = await connectClient(this.url, { clientId, ...clientOptions }, into);
      clients.push(client);
      return client;
    },
    async raw(protocolVersion = 5) {
      const raw = await RawClient.open(current().port, protocolVersion);
      raws.push(raw);
      return raw;
    },
    async restart() {
      const { broker, port } = current();
      running = undefined;
      await broker.close();
      running = await start(port);
    },
  };
}
