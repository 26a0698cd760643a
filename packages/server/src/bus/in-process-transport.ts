import { EventEmitter } from 'node:events';
import type { BusTransport } from './bus-transport.js';

/** The bus within one process: an `EventEmitter`, so delivery is synchronous and in order. */
export class InProcessTransport implements BusTransport {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Long-polling readers each listen for a while; the count is bounded by connections.
    this.#emitter.setMaxListeners(0);
  }

  publish(name: string, event: unknown): void {
    this.#emitter.emit(name, event);
  }

  subscribe(name: string, listener: (event: unknown) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
