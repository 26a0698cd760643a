import { describe, expect, it } from 'vitest';
import { brokerFixture } from '../../test/support/broker-fixture.js';
import { eventually, type Received } from './test-support.js';

describe('a message for a connection that is closing', () => {
  const server = brokerFixture();

  it('waits in the persistent session for the next connection instead of being lost', async () => {
    const raw = await server.raw(5);
    raw.write({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'leaving',
      clean: false,
      keepalive: 0,
      properties: { sessionExpiryInterval: 300 },
    });
    await raw.next('connack');
    raw.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'news/#', qos: 1 }] });
    await raw.next('suback');
    // DISCONNECT, but the socket stays open: the broker ends its side and waits for ours.
    const ended = new Promise<void>((resolve) => raw.socket.once('end', () => resolve()));
    raw.write({ cmd: 'disconnect', reasonCode: 0 });
    await ended;
    await server.broker.publish('default', { topic: 'news/late', payload: 'still wanted', qos: 1 });
    raw.close();
    const received: Received[] = [];
    await server.connect(
      'leaving',
      { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } },
      received,
    );
    await eventually(() =>
      expect(received.map((m) => [m.topic, m.payload])).toEqual([['news/late', 'still wanted']]),
    );
  });
});
