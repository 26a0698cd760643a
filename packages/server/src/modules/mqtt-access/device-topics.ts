import { AppError } from '../../kernel/index.js';
import type { CapturedPublish, CaptureVerdict, Principal } from '../../mqtt/index.js';

/** The device a publish came from, as its connection authenticated it. */
export interface TopicDevice {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
}

/** A device's publish on a registered subtree, as the subtree's handler gets it. */
export interface DevicePublish {
  readonly device: TopicDevice;
  /** The registered subtree the topic is in (`up`, `twin`, `down`…). */
  readonly subtree: string;
  /** What follows `devices/{id}/{subtree}/`; '' for `devices/{id}/{subtree}` itself. */
  readonly rest: string;
  /** Topic, payload, QoS, MQTT 5 properties, DUP, packet id and the session it came on. */
  readonly publish: CapturedPublish;
}

/**
 * Handles the publishes of one subtree. Resolve once the message is taken care of
 * (durable, for what must not be lost): only then is it routed to subscribers and
 * acknowledged. `{ duplicate: false }` acknowledges it; `{ reasonCode }` (≥ 0x80) refuses
 * it for good: v5 PUBACK/PUBREC with that code, 3.1.1 acknowledged and not routed. A
 * rejection is a failure that a resend may cure: v5 PUBACK 0x80, 3.1.1 connection closed.
 */
export type DeviceTopicHandler = (input: DevicePublish) => Promise<CaptureVerdict>;

const PREFIX = 'devices/';
const SLASH = 0x2f;

/**
 * Where modules plug into the device topics `devices/{id}/{subtree}[/…]`: capture owns
 * `up`; twins, downlink acknowledgements and others register their own subtree. Only the
 * device itself is dispatched (an application publishing there is routed as any publish,
 * subject to its policies). A subtree nobody registered keeps the broker's plain
 * behaviour: the device's publish is routed to the tenant's subscribers and stored
 * nowhere.
 */
export class DeviceTopicRouter {
  readonly #handlers = new Map<string, DeviceTopicHandler>();

  /**
   * Registers the handler of `devices/{id}/{subtree}` and everything below it. `subtree`
   * is one topic level without wildcards; each has one owner.
   */
  register(subtree: string, handler: DeviceTopicHandler): void {
    if (subtree.length === 0 || /[/+#]/.test(subtree) || subtree.includes('\u0000'))
      throw new AppError('validation_failed', `'${subtree}' is not one topic level`, { field: 'subtree' });
    if (this.#handlers.has(subtree))
      throw new AppError('conflict', `the device subtree '${subtree}' already has a handler`, { subtree });
    this.#handlers.set(subtree, handler);
  }

  /** The registered subtrees, for logs and tests. */
  get subtrees(): readonly string[] {
    return [...this.#handlers.keys()];
  }

  /**
   * Hands a device's publish to its subtree's handler; `false` (synchronously) when the
   * topic is outside the device's registered subtrees. `typeId` is the device's type as
   * its connection authenticated it.
   */
  dispatch(
    principal: Principal,
    typeId: string | undefined,
    publish: CapturedPublish,
  ): false | Promise<CaptureVerdict> {
    const deviceId = principal.deviceId;
    if (principal.kind !== 'device' || deviceId === undefined || this.#handlers.size === 0) return false;
    const topic = publish.topic;
    // `devices/{deviceId}/` by comparison in place: no string is built for a miss.
    const start = PREFIX.length + deviceId.length + 1;
    if (
      topic.length < start + 1 ||
      !topic.startsWith(PREFIX) ||
      !topic.startsWith(deviceId, PREFIX.length) ||
      topic.charCodeAt(start - 1) !== SLASH
    )
      return false;
    const slash = topic.indexOf('/', start);
    const subtree = slash < 0 ? topic.slice(start) : topic.slice(start, slash);
    const handler = this.#handlers.get(subtree);
    // `devices/{id}/{subtree}/` with nothing after is not in the subtree (as before the router).
    if (handler === undefined || slash === topic.length - 1) return false;
    if (typeId === undefined) return Promise.reject(new AppError('internal', 'the device has no type'));
    const input: DevicePublish = {
      device: { tenantId: principal.tenantId, deviceId, typeId },
      subtree,
      rest: slash < 0 ? '' : topic.slice(slash + 1),
      publish,
    };
    try {
      return handler(input);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
