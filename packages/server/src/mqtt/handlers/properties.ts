import { protocolError } from '../errors.js';
import type { MessageProperties } from '../persistence.js';

/**
 * mqtt-packet turns a property given twice into an array; only User Property (and, from
 * the server, Subscription Identifier) may repeat, anything else is a protocol error
 * (MQTT 5 §2.2.2.2).
 */
export function assertNoDuplicateProperties(properties: object | undefined): void {
  if (properties === undefined) return;
  for (const [name, value] of Object.entries(properties)) {
    if (name !== 'userProperties' && Array.isArray(value))
      throw protocolError(`${name} given more than once`);
  }
}

/** The properties of a PUBLISH or will that travel with the message to subscribers [MQTT-3.3.2-…]. */
export function messageProperties(
  properties:
    | {
        payloadFormatIndicator?: boolean;
        contentType?: string;
        responseTopic?: string;
        correlationData?: Buffer;
        userProperties?: MessageProperties['userProperties'];
      }
    | undefined,
): MessageProperties | undefined {
  if (properties === undefined) return undefined;
  const out: {
    -readonly [K in keyof MessageProperties]: MessageProperties[K];
  } = {};
  let any = false;
  if (properties.payloadFormatIndicator !== undefined) {
    out.payloadFormatIndicator = properties.payloadFormatIndicator;
    any = true;
  }
  if (properties.contentType !== undefined) {
    out.contentType = properties.contentType;
    any = true;
  }
  if (properties.responseTopic !== undefined) {
    out.responseTopic = properties.responseTopic;
    any = true;
  }
  if (properties.correlationData !== undefined) {
    out.correlationData = Buffer.from(properties.correlationData);
    any = true;
  }
  if (properties.userProperties !== undefined) {
    out.userProperties = properties.userProperties;
    any = true;
  }
  return any ? out : undefined;
}
