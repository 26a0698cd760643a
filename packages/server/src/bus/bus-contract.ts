import { afterEach, describe, expect, it } from 'vitest';
import type { BusTransport } from './bus-transport.js';

/** What a bus adapter under test provides. */
export interface TransportUnderTest {
  /** Opens a transport; for an adapter between processes, each one stands for a process. */
  open(): Promise<BusTransport>;
  /** Whether transports opened separately hear each other (not in-process). */
  readonly spansProcesses: boolean;
}

/** The behaviour every `BusTransport` adapter keeps; run it against the real thing. */
export function describeBusTransport(name: string, adapter: TransportUnderTest): void {
  describe(`bus transport contract: ${name}`, () => {
    const opened: BusTransport[] = [];
    const open = async (): Promise<BusTransport> => {
      const transport = await adapter.open();
      opened.push(transport);
      return transport;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((transport) => transport.close()));
    });

    it('hands an event to every subscriber of its name in this process before publish returns, in order', async () => {
      const transport = await open();
      const heard: string[] = [];
      transport.subscribe('a.happened', (event) => heard.push(`first ${JSON.stringify(event)}`));
      transport.subscribe('a.happened', (event) => heard.push(`second ${JSON.stringify(event)}`));
      transport.publish('a.happened', { n: 1 });
      expect(heard).toEqual(['first {"n":1}', 'second {"n":1}']);
    });

    it('does not hand an event to subscribers of another name', async () => {
      const transport = await open();
      const heard: unknown[] = [];
      transport.subscribe('b.happened', (event) => heard.push(event));
      transport.publish('a.happened', { n: 1 });
      transport.publish('b.happened', { n: 2 });
      expect(heard).toEqual([{ n: 2 }]);
    });

    it('stops handing events to a listener once it unsubscribed, and a second unsubscribe is harmless', async () => {
      const transport = await open();
      const heard: unknown[] = [];
      const unsubscribe = transport.subscribe('a.happened', (event) => heard.push(event));
      transport.publish('a.happened', 1);
      unsubscribe();
      unsubscribe();
      transport.publish('a.happened', 2);
      expect(heard).toEqual([1]);
    });

    it('carries plain JSON data unchanged', async () => {
      const transport = await open();
      const event = { tenantId: 'tënant ✓', position: 2 ** 53 - 1, nested: { list: [null, true, 'x'] } };
      const heard: unknown[] = [];
      transport.subscribe('a.happened', (received) => heard.push(received));
      transport.publish('a.happened', event);
      expect(heard).toEqual([event]);
    });

    it('hands nothing to the subscribers of a closed transport', async () => {
      const transport = await adapter.open();
      const heard: unknown[] = [];
      transport.subscribe('a.happened', (event) => heard.push(event));
      await transport.close();
      transport.publish('a.happened', 1);
      expect(heard).toEqual([]);
    });

    if (adapter.spansProcesses) {
      it('hands an event published in one process to the subscribers of another, once', async () => {
        const publisher = await open();
        const subscriber = await open();
        const heard: unknown[] = [];
        // A final marker shows that nothing else arrives, without a sleep.
        const marked = new Promise<void>((resolve) => {
          subscriber.subscribe('a.happened', (event) => {
            if (event === 'marker') resolve();
            else heard.push(event);
          });
        });
        publisher.publish('a.happened', { n: 1 });
        publisher.publish('a.happened', 'marker');
        await marked;
        expect(heard).toEqual([{ n: 1 }]);
      });
    }
  });
}
