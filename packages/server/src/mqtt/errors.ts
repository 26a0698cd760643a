import { ReasonCode } from './reason-codes.js';

/**
 * A violation by the client that ends its connection: v5 clients get a DISCONNECT with
 * `reasonCode` first (MQTT 5 §4.13). Thrown by handlers, caught by the connection.
 */
export class MqttProtocolError extends Error {
  readonly reasonCode: number;

  constructor(reasonCode: number, message: string) {
    super(message);
    this.name = 'MqttProtocolError';
    this.reasonCode = reasonCode;
  }
}

/** A refused CONNECT: answered with a CONNACK carrying `reasonCode`, then closed [MQTT-3.2.2-7]. */
export class ConnectRefusal extends Error {
  readonly reasonCode: number;

  constructor(reasonCode: number, message: string) {
    super(message);
    this.name = 'ConnectRefusal';
    this.reasonCode = reasonCode;
  }
}

/** A protocol error (0x82). */
export function protocolError(message: string): MqttProtocolError {
  return new MqttProtocolError(ReasonCode.protocolError, message);
}

/** A malformed packet (0x81). */
export function malformed(message: string): MqttProtocolError {
  return new MqttProtocolError(ReasonCode.malformedPacket, message);
}
