import { type Static, Type } from 'typebox';

/** A topic filter as MQTT defines it; validated further by `isValidFilter`. */
const Filter = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: "an MQTT topic filter ('+' one level, '#' the rest), as the tenant's clients see topics",
  examples: ['devices/+/up/#'],
});

export const TopicPolicyInput = Type.Object(
  {
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    action: Type.Union([Type.Literal('publish'), Type.Literal('subscribe'), Type.Literal('both')]),
    filter: Filter,
    principal: Type.Optional(
      Type.Union([Type.Literal('device'), Type.Literal('application'), Type.Literal('anonymous')], {
        description: 'only this kind of client; every kind when absent',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type TopicPolicyInput = Static<typeof TopicPolicyInput>;

export const TopicPolicy = Type.Object({
  id: Type.String(),
  effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  action: Type.Union([Type.Literal('publish'), Type.Literal('subscribe'), Type.Literal('both')]),
  filter: Type.String(),
  principal: Type.Union([
    Type.Literal('device'),
    Type.Literal('application'),
    Type.Literal('anonymous'),
    Type.Null(),
  ]),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type TopicPolicy = Static<typeof TopicPolicy>;

export const TopicPolicyList = Type.Object({ items: Type.Array(TopicPolicy) });

export const PolicyParams = Type.Object({ policyId: Type.String({ minLength: 1, maxLength: 64 }) });

export const ClientParams = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 256, description: 'the MQTT client id, URL-encoded' }),
});

export const MqttClient = Type.Object({
  clientId: Type.String(),
  principal: Type.Object({
    kind: Type.String({ description: 'device, application or anonymous' }),
    id: Type.String({ description: 'the credential or API key id the client connected with' }),
    deviceId: Type.Union([Type.String(), Type.Null()]),
  }),
  protocolVersion: Type.Integer({ description: '3 (3.1), 4 (3.1.1) or 5' }),
  listener: Type.String({ description: 'tcp, tls or ws' }),
  remoteAddress: Type.Union([Type.String(), Type.Null()]),
  connectedAt: Type.String({ format: 'date-time' }),
  keepAlive: Type.Integer({ description: 'seconds; 0 is none' }),
  subscriptions: Type.Array(Type.String()),
  inflight: Type.Integer({ description: 'QoS 1/2 messages sent and not yet acknowledged' }),
  queued: Type.Integer({ description: 'messages waiting for an in-flight slot' }),
  paused: Type.Boolean({ description: 'reading from this client is paused (back-pressure)' }),
});
export type MqttClient = Static<typeof MqttClient>;

export const MqttClientList = Type.Object({ items: Type.Array(MqttClient) });
