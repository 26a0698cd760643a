import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { ACK_SUBTREE, commandSubtopic, type MqttPorts } from './command-mqtt.js';
import type { CommandService } from './command-service.js';
import type { CommandRow } from './command-store.js';

/** What a direct method answers: the call's id, how it ended, and the device's reply. */
export interface MethodAnswer {
  readonly id: string;
  readonly status: 'acknowledged' | 'failed';
  readonly result: unknown;
}

/**
 * Direct methods: a request to a connected device that waits for its reply (MQTT 5
 * request/response; 3.1.1 devices answer on the ack topic with the call id in it). The
 * call is published at QoS 0 with a message expiry of its timeout, so it is never handed
 * to the device after the caller gave up; it is recorded as a command of kind `method`.
 */
export class DirectMethods {
  readonly #service: CommandService;
  readonly #ports: MqttPorts;
  readonly #bus: EventBus;
  readonly #clock: Clock;

  constructor(service: CommandService, ports: MqttPorts, deps: { bus: EventBus; clock: Clock }) {
    this.#service = service;
    this.#ports = ports;
    this.#bus = deps.bus;
    this.#clock = deps.clock;
  }

  /**
   * Calls `name` on the device and waits up to `timeoutMs` for its reply. A device with no
   * connection is `device_offline` at once and nothing is recorded; no reply in time is
   * `method_timeout`, and the call is recorded as `unknown` (reason `timed_out`).
   */
  async call(
    tenantId: string,
    deviceId: string,
    name: string,
    payload: unknown,
    timeoutMs: number,
  ): Promise<MethodAnswer> {
    if (!(await this.#service.deviceExists(tenantId, deviceId))) throw notFound('device', deviceId);
    if (!this.#ports.presence.connected(tenantId, deviceId))
      throw new AppError('device_offline', `device '${deviceId}' has no MQTT session`, { deviceId });
    const row = await this.#service.startCall(tenantId, deviceId, name, payload, {
      transport: 'mqtt',
      timeoutMs,
    });
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    // Listen before publishing: a fast reply must not be missed.
    const unsubscribe = this.#bus.subscribe('command.settled', (event) => {
      if (event.tenantId === tenantId && event.commandId === row.id) settle();
    });
    const timer = setTimeout(settle, timeoutMs);
    try {
      await this.#ports.publisher.publish(tenantId, deviceId, {
        subtopic: commandSubtopic(row),
        payload: payload === undefined ? '' : JSON.stringify(payload),
        qos: 0,
        responseTopic: `devices/${deviceId}/${ACK_SUBTREE}/${row.id}`,
        correlationData: Buffer.from(row.id),
        contentType: 'application/json',
        messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)),
      });
      await settled;
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
    const answered = await this.#answer(row);
    if (answered) return answered;
    const stopped = await this.#service.transition(row, 'unknown', {
      reason: 'timed_out',
      timeoutMs,
      at: new Date(this.#clock.now()).toISOString(),
    });
    // The reply came between the timeout and the transition: it wins.
    if (!stopped) {
      const late = await this.#answer(row);
      if (late) return late;
    }
    throw new AppError('method_timeout', `device '${deviceId}' did not answer '${name}' in ${timeoutMs} ms`, {
      commandId: row.id,
      timeoutMs,
    });
  }

  async #answer(row: CommandRow): Promise<MethodAnswer | undefined> {
    const now = await this.#service.find(row.tenant_id, row.id);
    if (now?.status !== 'acknowledged' && now?.status !== 'failed') return undefined;
    return {
      id: now.id,
      status: now.status,
      result: now.result === null ? null : (JSON.parse(now.result) as unknown),
    };
  }
}
