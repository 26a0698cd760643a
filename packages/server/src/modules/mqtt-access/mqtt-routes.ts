import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { notFound } from '../../kernel/index.js';
import type { ClientInfo } from '../../mqtt/index.js';
import {
  ClientParams,
  MqttClient,
  MqttClientList,
  PolicyParams,
  TopicPolicy,
  TopicPolicyInput,
  TopicPolicyList,
} from './mqtt-schemas.js';
import type { TopicPolicies } from './topic-policies.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** The part of the broker the client routes read and act on. */
export interface ClientDirectory {
  clients(tenantId?: string): ClientInfo[];
  disconnect(tenantId: string, clientId: string): boolean;
}

function presentClient(client: ClientInfo, deviceId: string | null): MqttClient {
  return {
    clientId: client.clientId,
    principal: { kind: client.principal.kind, id: client.principal.id, deviceId },
    protocolVersion: client.protocolVersion,
    listener: client.listener,
    remoteAddress: client.remoteAddress ?? null,
    connectedAt: new Date(client.connectedAt).toISOString(),
    keepAlive: client.keepAlive,
    subscriptions: [...client.subscriptions],
    inflight: client.inflight,
    queued: client.queued,
    paused: client.paused,
  };
}

const present = (client: ClientInfo) =>
  presentClient(client, client.principal.kind === 'device' ? client.principal.id : null);

function findClient(broker: ClientDirectory, tenantId: string, clientId: string): ClientInfo {
  const client = broker.clients(tenantId).find((c) => c.clientId === clientId);
  if (client === undefined) throw notFound('mqtt client', clientId);
  return client;
}

/** `/v1/mqtt/policies` (the tenant's topic policies) and `/v1/mqtt/clients` (its live connections). */
export function registerMqttRoutes(
  app: App,
  { policies, broker }: { policies: TopicPolicies; broker: ClientDirectory },
): void {
  app.get(
    '/v1/mqtt/policies',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['mqtt'],
        summary: "The tenant's MQTT topic policies, oldest first",
        description:
          'A publish or subscription is refused when any matching rule denies it; otherwise allowed (a rule limited to one kind of client applies to that kind only). Devices are always confined to `devices/{deviceId}/…` besides.',
        response: { 200: TopicPolicyList, ...problems },
      },
    },
    async function listPoliciesRoute(request) {
      return { items: await policies.list(principalOf(request).tenantId) };
    },
  );

  app.post(
    '/v1/mqtt/policies',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['mqtt'],
        summary: 'Adds a topic policy rule; it applies to the next publish or subscription',
        body: TopicPolicyInput,
        response: { 201: TopicPolicy, ...problems, 409: problem },
      },
    },
    async function createPolicyRoute(request, reply) {
      const policy = await policies.create(principalOf(request).tenantId, request.body);
      return reply.status(201).send(policy);
    },
  );

  app.get(
    '/v1/mqtt/policies/:policyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['mqtt'],
        summary: 'One topic policy rule',
        params: PolicyParams,
        response: { 200: TopicPolicy, ...problems },
      },
    },
    async function getPolicyRoute(request) {
      return policies.get(principalOf(request).tenantId, request.params.policyId);
    },
  );

  app.delete(
    '/v1/mqtt/policies/:policyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['mqtt'],
        summary: 'Removes a topic policy rule (live subscriptions stay; new ones are judged without it)',
        params: PolicyParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function deletePolicyRoute(request, reply) {
      await policies.remove(principalOf(request).tenantId, request.params.policyId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/mqtt/clients',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['mqtt'],
        summary: "The tenant's connected MQTT clients, by client id",
        response: { 200: MqttClientList, ...problems },
      },
    },
    async function listClientsRoute(request) {
      const items = broker.clients(principalOf(request).tenantId).map(present);
      items.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
      return { items };
    },
  );

  app.get(
    '/v1/mqtt/clients/:clientId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['mqtt'],
        summary: 'One connected MQTT client of the tenant',
        params: ClientParams,
        response: { 200: MqttClient, ...problems },
      },
    },
    async function getClientRoute(request) {
      return present(findClient(broker, principalOf(request).tenantId, request.params.clientId));
    },
  );

  app.delete(
    '/v1/mqtt/clients/:clientId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['mqtt'],
        summary:
          'Disconnects a client (MQTT 5: DISCONNECT 0x98 administrative action); its persistent session stays',
        params: ClientParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function disconnectClientRoute(request, reply) {
      const tenantId = principalOf(request).tenantId;
      findClient(broker, tenantId, request.params.clientId);
      if (!broker.disconnect(tenantId, request.params.clientId))
        throw notFound('mqtt client', request.params.clientId);
      return reply.status(204).send(null);
    },
  );
}
