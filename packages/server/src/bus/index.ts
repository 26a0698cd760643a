export type { BusTransport } from './bus-transport.js';
export { type BusEventName, type BusEvents, type BusListener, EventBus } from './event-bus.js';
export { InProcessTransport } from './in-process-transport.js';
