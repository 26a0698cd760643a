export { type BusEventName, type BusEvents, type BusListener, EventBus } from './event-bus.js';
