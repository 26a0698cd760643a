import type { EventBus } from '../../bus/event-bus.js';
import { isAppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import {
  type CaptureVerdict,
  type ConnectedEvent,
  type DeliveredEvent,
  ReasonCode,
  type SubscribedEvent,
  topicMatches,
} from '../../mqtt/index.js';
import type {
  ConnectedDevice,
  DeviceConnectionListener,
  DeviceMessage,
  DevicePresenceView,
  DevicePublish,
  DeviceSender,
} from '../mqtt-access/index.js';
import type { CommandService } from './command-service.js';
import type { CommandRow } from './command-store.js';

/** The device subtree of acknowledgements and method replies: `devices/{id}/ack/{commandId}`. */
export const ACK_SUBTREE = 'ack';

/** The topic below `devices/{id}/` a command is published to. */
export function commandSubtopic(row: Pick<CommandRow, 'kind' | 'name' | 'id'>): string {
  return `down/${row.kind === 'method' ? 'methods' : 'commands'}/${row.name}/${row.id}`;
}

/** What MQTT delivery needs from mqtt-access: publishing to a device and whether it listens. */
export interface MqttPorts {
  readonly publisher: DeviceSender;
  readonly presence: DevicePresenceView;
}

/** Commands handed out at a time; the next ones follow once these are published. */
const BATCH = 100;
const STORED: CaptureVerdict = Object.freeze({ duplicate: false });
const REFUSED: CaptureVerdict = Object.freeze({
  duplicate: false,
  reasonCode: ReasonCode.implementationSpecificError,
});

/** The message of a command: MQTT 5 devices also get the ack topic and the id as correlation data. */
export function commandMessage(row: CommandRow, payload: Buffer): DeviceMessage {
  return {
    subtopic: commandSubtopic(row),
    payload,
    qos: row.qos as 0 | 1 | 2,
    responseTopic: `devices/${row.device_id}/${ACK_SUBTREE}/${row.id}`,
    correlationData: Buffer.from(row.id),
    userProperties: { name: row.name },
    // The device's PUBACK / PUBCOMP makes the command `delivered` (see `MqttCommands.delivered`).
    ...(row.qos > 0 && row.kind === 'command' ? { trackDelivery: true } : {}),
  };
}

/**
 * Delivers queued MQTT commands to devices that listen: when a device subscribes to its
 * command topic (or reconnects to a session that still has the subscription), and when a
 * command is queued for a device that listens. Each device's queue is drained by one loop
 * at a time, most urgent first; a command handed out is `sent` (`unknown` at QoS 0) and is
 * not handed out again on a reconnect unless its retry puts it back in the queue.
 */
export class MqttCommands implements DeviceConnectionListener {
  readonly #service: CommandService;
  readonly #ports: MqttPorts;
  readonly #logger: Logger;
  readonly #draining = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();

  constructor(service: CommandService, ports: MqttPorts, deps: { bus: EventBus; logger: Logger }) {
    this.#service = service;
    this.#ports = ports;
    this.#logger = deps.logger;
    deps.bus.subscribe('command.queued', ({ tenantId, deviceId, transport }) => {
      if (transport === 'mqtt') void this.drain(tenantId, deviceId);
    });
  }

  connected(device: ConnectedDevice, event: ConnectedEvent): Promise<void> | undefined {
    // A new session has no subscription yet: its `subscribed` starts the delivery.
    return event.sessionPresent ? this.drain(device.tenantId, device.deviceId) : undefined;
  }

  subscribed(device: ConnectedDevice, event: SubscribedEvent): Promise<void> | undefined {
    const probe = `devices/${device.deviceId}/down/commands/x/y`;
    return event.filters.some((filter) => topicMatches(filter, probe))
      ? this.drain(device.tenantId, device.deviceId)
      : undefined;
  }

  /**
   * The device acknowledged the PUBLISH of a command (PUBACK at QoS 1, PUBCOMP at QoS 2):
   * `sent` becomes `delivered`; a v5 device that refused it (reason code 0x80 or above)
   * fails it. A command already acknowledged, or back in the queue, stays where it is.
   */
  async delivered(device: ConnectedDevice, event: DeliveredEvent): Promise<void> {
    const prefix = `devices/${device.deviceId}/down/commands/`;
    if (!event.topic.startsWith(prefix)) return;
    const commandId = event.topic.slice(event.topic.lastIndexOf('/') + 1);
    const detail = {
      transport: 'mqtt',
      qos: event.qos,
      clientId: event.clientId,
      ...(event.reasonCode === 0 ? {} : { reasonCode: event.reasonCode }),
    };
    await this.#service.deliveredOverTransport(device.tenantId, device.deviceId, commandId, {
      refused: event.reasonCode >= 0x80,
      detail,
    });
  }

  /** Sends the device's queued commands while it listens; a drain asked for while one runs runs after it. */
  drain(tenantId: string, deviceId: string): Promise<void> {
    const key = `${tenantId}\u0000${deviceId}`;
    const running = this.#draining.get(key);
    if (running !== undefined) {
      this.#again.add(key);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.#again.delete(key);
          await this.#drainOnce(tenantId, deviceId);
        } while (this.#again.has(key));
      } catch (error) {
        this.#logger.error({ err: error, tenantId, deviceId }, 'commands: MQTT delivery failed');
      } finally {
        this.#draining.delete(key);
      }
    })();
    this.#draining.set(key, run);
    return run;
  }

  async #drainOnce(tenantId: string, deviceId: string): Promise<void> {
    for (;;) {
      if (!this.#ports.presence.listening(tenantId, deviceId, 'down/commands/x/y')) return;
      const batch = await this.#service.claim(tenantId, deviceId, 'mqtt', BATCH, (row) => ({
        // QoS 0 is fire and forget: nothing will tell whether it arrived.
        status: row.qos === 0 ? 'unknown' : 'sent',
        detail: { transport: 'mqtt', qos: row.qos, topic: `devices/${deviceId}/${commandSubtopic(row)}` },
      }));
      for (const out of batch) {
        try {
          await this.#ports.publisher.publish(tenantId, deviceId, commandMessage(out.row, out.payload));
        } catch (error) {
          await this.#service.requeue(out.row, error);
        }
      }
      if (batch.length < BATCH) return;
    }
  }

  /**
   * `devices/{id}/ack/{commandId}` (or `devices/{id}/ack` with the id as MQTT 5 correlation
   * data): the device's answer. An empty or JSON payload acknowledges; JSON with
   * `"status": "failed"` reports a failure. Stored before the PUBACK; an unknown id or
   * another device's command is refused (v5 0x83; 3.1.1 acknowledged and dropped).
   */
  readonly acknowledgements = async ({ device, rest, publish }: DevicePublish): Promise<CaptureVerdict> => {
    const commandId = rest !== '' ? rest : (publish.properties.correlationData?.toString('utf8') ?? '');
    if (!/^cmd_[A-Za-z0-9_-]{1,64}$/.test(commandId)) return REFUSED;
    const result = parseAnswer(publish.payload);
    try {
      await this.#service.acknowledge(device.tenantId, device.deviceId, commandId, {
        failed: isFailure(result),
        result,
        detail: { transport: 'mqtt', topic: publish.topic, clientId: publish.origin.clientId },
      });
      return STORED;
    } catch (error) {
      if (isAppError(error) && (error.code === 'not_found' || error.code === 'conflict')) return REFUSED;
      throw error;
    }
  };
}

/** JSON as it is; other bytes as base64; nothing as null. */
export function parseAnswer(payload: Buffer): unknown {
  if (payload.length === 0) return null;
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return { base64: payload.toString('base64') };
  }
}

export function isFailure(result: unknown): boolean {
  return (
    typeof result === 'object' && result !== null && (result as { status?: unknown }).status === 'failed'
  );
}
