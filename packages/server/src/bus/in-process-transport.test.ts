import { describe, expect, it } from 'vitest';
import { describeBusTransport } from './bus-contract.js';
import { EventBus } from './event-bus.js';
import { InProcessTransport } from './in-process-transport.js';

describeBusTransport('in-process', { open: async () => new InProcessTransport(), spansProcesses: false });

describe('EventBus', () => {
  it('publishes a module-declared event through the transport it was given', () => {
    // Two buses over one transport stand for two processes joined by an adapter.
    const transport = new InProcessTransport();
    const publisher = new EventBus(transport);
    const subscriber = new EventBus(transport);
    const heard: number[] = [];
    const unsubscribe = subscriber.subscribe('changes.committed', (event) => heard.push(event.position));
    publisher.publish('changes.committed', { tenantId: 't1', position: 7 });
    unsubscribe();
    publisher.publish('changes.committed', { tenantId: 't1', position: 8 });
    expect(heard).toEqual([7]);
  });

  it('runs in process when given no transport', () => {
    const bus = new EventBus();
    const heard: string[] = [];
    bus.subscribe('api_key.revoked', (event) => heard.push(event.keyId));
    bus.publish('api_key.revoked', { tenantId: 't1', keyId: 'k1' });
    expect(heard).toEqual(['k1']);
  });
});
