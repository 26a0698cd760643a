import { Counter, Gauge, type Registry } from 'prom-client';
import type { BrokerMetrics } from '../../mqtt/index.js';

type Key = keyof BrokerMetrics;

/** Levels: read as they are at scrape time. */
const gauges: readonly [Key, string, string][] = [
  ['connections', 'fleetport_mqtt_connections', 'MQTT clients connected now'],
  ['sessions', 'fleetport_mqtt_sessions', 'MQTT sessions (connected and persistent offline)'],
  ['subscriptions', 'fleetport_mqtt_subscriptions', 'MQTT subscriptions across sessions'],
  ['retained', 'fleetport_mqtt_retained_messages', 'MQTT retained messages'],
];

/** Totals since the broker started: exported as counters. */
const counters: readonly [Key, string, string][] = [
  ['connectionsTotal', 'fleetport_mqtt_connections_total', 'MQTT connections accepted'],
  ['connectionsRefused', 'fleetport_mqtt_connections_refused_total', 'MQTT connections refused'],
  ['packetsIn', 'fleetport_mqtt_packets_received_total', 'MQTT packets received'],
  [
    'messagesIn',
    'fleetport_mqtt_messages_received_total',
    'PUBLISH messages received (and server publishes)',
  ],
  ['messagesOut', 'fleetport_mqtt_messages_sent_total', 'PUBLISH messages sent to clients'],
  ['bytesIn', 'fleetport_mqtt_received_bytes_total', 'MQTT bytes received'],
  ['bytesOut', 'fleetport_mqtt_sent_bytes_total', 'MQTT bytes sent'],
  [
    'messagesDropped',
    'fleetport_mqtt_messages_dropped_total',
    'messages dropped for slow or full subscribers',
  ],
  [
    'malformedPackets',
    'fleetport_mqtt_malformed_packets_total',
    'connections ended for a malformed or oversized packet',
  ],
];

/** Exposes the broker's counters in `/metrics`; the values are read from `metrics()` at each scrape. */
export function registerBrokerMetrics(registry: Registry, metrics: () => Readonly<BrokerMetrics>): void {
  for (const [key, name, help] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(metrics()[key]);
      },
    });
  }
  for (const [key, name, help] of counters) {
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The broker's totals only grow; the counter follows them by the difference.
        const value = metrics()[key];
        if (value > reported) {
          this.inc(value - reported);
          reported = value;
        }
      },
    });
  }
}
