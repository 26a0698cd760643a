import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import type { RawClient, Received } from '../../src/mqtt/test-support.js';
import type { FeedFollower, SeenChange } from './feed-follower.js';

/*
 * "Nothing else arrived" without sleeping: after the step whose effect must NOT reach a
 * receiver, send a marker that must reach it, and wait for the marker. Whatever the
 * system would have delivered before the marker has arrived by then, so a check of what
 * arrived is final. A sleep only guesses how long "long enough" is, and guesses too short
 * on a loaded machine (false passes) and too long everywhere else (slow tests).
 */

const pollMs = 5;

function markerPayload(): string {
  return `marker-${randomBytes(6).toString('hex')}`;
}

async function waitFor(found: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!found()) {
    if (Date.now() > deadline) throw new Error(`${what} did not arrive in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** How a marker is published. */
export interface MarkerOptions {
  /** QoS of the marker; use the highest QoS of the messages it follows. Default 1. */
  readonly qos?: 0 | 1 | 2;
  readonly timeoutMs?: number;
}

/**
 * Publishes a marker on `topic` from `publisher` and waits until it is in `received`
 * (collected with `collect`), then takes it out: every message the broker routed to that
 * subscriber before the marker is in `received` now. `topic` must match one of the
 * subscriber's filters. This relies on the order of one publisher's messages to one
 * subscriber being kept ([MQTT-4.6.0-5], per topic; Fleetport's broker keeps it across
 * topics), so publish the marker from the publisher whose messages are checked.
 */
export async function flushMarker(
  publisher: MqttClient,
  received: Received[],
  topic: string,
  { qos = 1, timeoutMs = 5000 }: MarkerOptions = {},
): Promise<void> {
  const payload = markerPayload();
  const isMarker = (message: Received) => message.topic === topic && message.payload === payload;
  await publisher.publishAsync(topic, payload, { qos });
  await waitFor(() => received.some(isMarker), `the marker on ${topic}`, timeoutMs);
  received.splice(received.findIndex(isMarker), 1);
}

/**
 * `flushMarker` for a `RawClient` subscriber: waits for the marker PUBLISH in its
 * `packets` and takes it out (acknowledging it when it came with QoS 1, as a client must;
 * send it with QoS 0 or 1). `publish` sends the marker: through an `mqtt` client, or as raw bytes.
 */
export async function flushRawMarker(
  publish: (topic: string, payload: string) => unknown,
  subscriber: RawClient,
  topic: string,
  { timeoutMs = 5000 }: Pick<MarkerOptions, 'timeoutMs'> = {},
): Promise<void> {
  const payload = markerPayload();
  const isMarker = (packet: Packet) =>
    packet.cmd === 'publish' && packet.topic === topic && packet.payload.toString() === payload;
  await publish(topic, payload);
  await waitFor(() => subscriber.packets.some(isMarker), `the marker on ${topic}`, timeoutMs);
  const [marker] = subscriber.packets.splice(subscriber.packets.findIndex(isMarker), 1);
  if (marker?.cmd !== 'publish' || marker.qos === 0) return;
  // QoS 2 would leave a PUBREL in `packets` for the test to trip over.
  if (marker.qos === 2) throw new Error('flushRawMarker: send the marker with QoS 0 or 1');
  subscriber.write({ cmd: 'puback', messageId: marker.messageId });
}

/**
 * Change feed: makes a write whose change is the marker (`writeMarker` returns its entity
 * id), follows the feed until that change is seen, and returns what was seen before it.
 * Positions are handed out in commit order and a follower never passes over a committed
 * change, so everything committed before the marker is in the answer, and a change that
 * is not there was never committed before it. The follower keeps following afterwards;
 * `stop()` it when done.
 */
export async function followToMarker(
  follower: FeedFollower,
  writeMarker: () => Promise<string>,
  timeoutMs = 15_000,
): Promise<readonly SeenChange[]> {
  follower.start();
  const entityId = await writeMarker();
  const at = () => follower.seen.findIndex((change) => change.entityId === entityId);
  await waitFor(() => at() >= 0, `the marker change of ${entityId}`, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message} (failed reads: ${follower.failures.slice(-3).join('; ') || 'none'})`);
  });
  return follower.seen.slice(0, at());
}
