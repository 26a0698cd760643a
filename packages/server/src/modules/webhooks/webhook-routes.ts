import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { AppError, notFound } from '../../kernel/errors.js';
import {
  CreateEndpointBody,
  Delivery,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryParams,
  DeliveryWithAttempts,
  Endpoint,
  EndpointPage,
  EndpointParams,
  EndpointWithSecret,
  ListQuery,
  ReplayBody,
  ReplayResult,
  RotateSecretBody,
  TenantParams,
  TestSendBody,
  UpdateEndpointBody,
  WebhookSettings,
  WebhookSettingsBody,
} from './webhook-schemas.js';
import type { WebhookService } from './webhook-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const tags = ['webhooks'];

/** `/v1/webhooks`: endpoints, their secrets, deliveries, retries, replays, test sends; and the operator's settings. */
export function registerWebhookRoutes(app: App, webhooks: WebhookService): void {
  app.post(
    '/v1/webhooks',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Create a webhook endpoint; the answer holds its signing secret, shown only once',
        description:
          'The URL must be http or https; its host is resolved and refused (`webhook_target_refused`) when any address is private or loopback, unless the operator allowed the tenant those. `filter` is CEL over the event (`invalid_condition` with line and column). It receives the changes committed after it was created (docs/WEBHOOKS.md).',
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecret, ...problems, 422: problem },
      },
    },
    async function createWebhookRoute(request, reply) {
      const created = await webhooks.create(principalOf(request).tenantId, request.body);
      return reply.status(201).header('location', `/v1/webhooks/${created.endpoint.id}`).send(created);
    },
  );

  app.get(
    '/v1/webhooks',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'Webhook endpoints, by id',
        querystring: ListQuery,
        response: { 200: EndpointPage, ...problems },
      },
    },
    async function listWebhooksRoute(request) {
      return webhooks.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/webhooks/:webhookId',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'A webhook endpoint, with its health (failing since, circuit breaker)',
        params: EndpointParams,
        response: { 200: Endpoint, ...problems },
      },
    },
    async function getWebhookRoute(request) {
      return webhooks.get(principalOf(request).tenantId, request.params.webhookId);
    },
  );

  app.patch(
    '/v1/webhooks/:webhookId',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Change a webhook endpoint; `enabled: true` starts a disabled one again',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: Endpoint, ...problems, 409: problem, 422: problem },
      },
    },
    async function updateWebhookRoute(request) {
      return webhooks.update(principalOf(request).tenantId, request.params.webhookId, request.body);
    },
  );

  app.delete(
    '/v1/webhooks/:webhookId',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint with its queue and delivery log',
        params: EndpointParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function deleteWebhookRoute(request, reply) {
      await webhooks.delete(principalOf(request).tenantId, request.params.webhookId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/rotate-secret',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'A new signing secret; the previous one stays valid and signed with for a while',
        params: EndpointParams,
        body: RotateSecretBody,
        response: { 200: EndpointWithSecret, ...problems, 409: problem },
      },
    },
    async function rotateWebhookSecretRoute(request) {
      return webhooks.rotateSecret(
        principalOf(request).tenantId,
        request.params.webhookId,
        request.body.previousValidHours,
      );
    },
  );

  app.get(
    '/v1/webhooks/:webhookId/deliveries',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: "An endpoint's deliveries, newest first",
        params: EndpointParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryPage, ...problems },
      },
    },
    async function listWebhookDeliveriesRoute(request) {
      return webhooks.deliveries(principalOf(request).tenantId, request.params.webhookId, request.query);
    },
  );

  app.get(
    '/v1/webhooks/:webhookId/deliveries/:deliveryId',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'A delivery with its log: each try, its request id, response code, time and error',
        params: DeliveryParams,
        response: { 200: DeliveryWithAttempts, ...problems },
      },
    },
    async function getWebhookDeliveryRoute(request) {
      const { webhookId, deliveryId } = request.params;
      return webhooks.delivery(principalOf(request).tenantId, webhookId, deliveryId);
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/deliveries/:deliveryId/retry',
    {
      config: { scope: 'operator' },
      schema: {
        tags,
        summary: 'Send a delivery again, as a new delivery with the same message id',
        params: DeliveryParams,
        response: { 202: Delivery, ...problems },
      },
    },
    async function retryWebhookDeliveryRoute(request, reply) {
      const { webhookId, deliveryId } = request.params;
      return reply
        .status(202)
        .send(await webhooks.retry(principalOf(request).tenantId, webhookId, deliveryId));
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/replay',
    {
      config: { scope: 'operator' },
      schema: {
        tags,
        summary: 'Queue the changes after a cursor (`since`) or from a time (`from`) again',
        description:
          'Only the changes the endpoint selects now; at most 10,000 per call (`nextCursor` continues). A time in the future or a cursor past the newest change is `validation_failed`.',
        params: EndpointParams,
        body: ReplayBody,
        response: { 202: ReplayResult, ...problems },
      },
    },
    async function replayWebhookRoute(request, reply) {
      return reply
        .status(202)
        .send(await webhooks.replay(principalOf(request).tenantId, request.params.webhookId, request.body));
    },
  );

  app.post(
    '/v1/webhooks/:webhookId/test',
    {
      config: { scope: 'operator' },
      schema: {
        tags,
        summary: 'Send a signed test event now and answer with what the receiver said',
        params: EndpointParams,
        body: TestSendBody,
        response: { 200: DeliveryWithAttempts, ...problems },
      },
    },
    async function testWebhookRoute(request) {
      return webhooks.testSend(principalOf(request).tenantId, request.params.webhookId, request.body);
    },
  );

  app.get(
    '/v1/tenants/:tenantId/webhook-settings',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary:
          "What the operator allows a tenant's webhooks (the system key, or the tenant's own admin key)",
        params: TenantParams,
        response: { 200: WebhookSettings, ...problems },
      },
    },
    async function getWebhookSettingsRoute(request) {
      const principal = principalOf(request);
      if (!principal.system && principal.tenantId !== request.params.tenantId) {
        throw notFound('tenant', request.params.tenantId);
      }
      return webhooks.settings(request.params.tenantId);
    },
  );

  app.put(
    '/v1/tenants/:tenantId/webhook-settings',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Allow or refuse private and loopback targets for a tenant (the system key only)',
        params: TenantParams,
        body: WebhookSettingsBody,
        response: { 200: WebhookSettings, ...problems },
      },
    },
    async function putWebhookSettingsRoute(request) {
      const principal = principalOf(request);
      if (!principal.system) {
        throw new AppError(
          'forbidden',
          "only the bootstrap (system) key may change a tenant's webhook settings",
        );
      }
      return webhooks.setSettings(request.params.tenantId, request.body.allowPrivateTargets);
    },
  );
}
