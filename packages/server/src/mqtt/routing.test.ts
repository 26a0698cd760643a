import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from './persistence.js';
import type { BrokerRouting, LocalRouter } from './routing.js';
import type { Session } from './session.js';
import { collect, connectClient, eventually, startBroker, type TestBroker } from './test-support.js';

/**
 * A toy cluster adapter: brokers in one process that share what they route. It shows
 * what the routing port is for: a message accepted by one broker reaches subscribers of
 * another, which delivers it with no publisher session of its own.
 */
class LinkedRouting implements BrokerRouting {
  readonly routed: string[] = [];
  #local: LocalRouter | undefined;
  readonly #peers: LinkedRouting[];

  constructor(peers: LinkedRouting[]) {
    this.#peers = peers;
    peers.push(this);
  }

  bind(local: LocalRouter): void {
    this.#local = local;
  }

  route(tenantId: string, message: StoredMessage, publisher: Session | undefined): Promise<void> | number {
    this.routed.push(message.topic);
    for (const peer of this.#peers) if (peer !== this) peer.#local?.routeLocal(tenantId, message, undefined);
    return this.#local === undefined ? 0 : this.#local.routeLocal(tenantId, message, publisher);
  }

  async close(): Promise<void> {}
}

describe('the routing port', () => {
  const brokers: TestBroker[] = [];

  afterEach(async () => {
    for (const { broker } of brokers.splice(0)) await broker.close();
  });

  it('carries every accepted message: client publishes, wills and server publishes', async () => {
    const peers: LinkedRouting[] = [];
    const a = new LinkedRouting(peers);
    const b = new LinkedRouting(peers);
    brokers.push(await startBroker({ routing: a }), await startBroker({ routing: b }));
    const [brokerA, brokerB] = brokers;
    if (brokerA === undefined || brokerB === undefined) throw new Error('brokers did not start');

    const subscriber = await connectClient(brokerB.url, { clientId: 'sub', protocolVersion: 5 });
    const received = collect(subscriber);
    await subscriber.subscribeAsync('news/#', { qos: 1 });
    const publisher = await connectClient(brokerA.url, {
      clientId: 'pub',
      protocolVersion: 5,
      will: { topic: 'news/will', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await publisher.publishAsync('news/client', 'from a client of A', { qos: 1 });
    await brokerA.broker.publish('default', { topic: 'news/server', payload: 'from A itself', qos: 1 });
    publisher.stream.destroy(); // no DISCONNECT: the will goes out

    await eventually(() =>
      expect(received.map((m) => [m.topic, m.payload])).toEqual([
        ['news/client', 'from a client of A'],
        ['news/server', 'from A itself'],
        ['news/will', 'gone'],
      ]),
    );
    expect(a.routed).toEqual(['news/client', 'news/server', 'news/will']);
    expect(b.routed).toEqual([]);
    await subscriber.endAsync();
  });
});
