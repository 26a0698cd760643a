import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { parseIfMatch } from '../devices/index.js';
import {
  Configuration,
  ConfigurationId,
  ConfigurationMetrics,
  ConfigurationPage,
  CreateConfigurationBody,
  ListConfigurationsQuery,
  MetricsQuery,
  UpdateConfigurationBody,
} from './configuration-schemas.js';
import type { ConfigurationService } from './configuration-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const writeProblems = { ...problems, 409: problem, 412: problem };
const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });
const etag = (version: number) => `"${version}"`;
const Params = Type.Object({ configurationId: ConfigurationId });

/** Fleet configurations: create, list, read, change, delete, and their metrics. */
export function registerConfigurationRoutes(app: App, configurations: ConfigurationService): void {
  app.post(
    '/v1/configurations',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['configurations'],
        summary: 'Create a fleet configuration: a target condition, a priority and desired content',
        description:
          'Applied to every device the target matches, now and later (within about a second of a device starting or stopping to match). Conflicts are settled property by property: highest priority, then the newest configuration; a property set directly on a twin wins over every configuration (docs/TWINS.md).',
        body: CreateConfigurationBody,
        response: { 201: Configuration, ...writeProblems },
      },
    },
    async function createConfigurationRoute(request, reply) {
      const configuration = await configurations.create(principalOf(request).tenantId, request.body);
      return reply
        .status(201)
        .header('etag', etag(configuration.version))
        .header('location', `/v1/configurations/${configuration.id}`)
        .send(configuration);
    },
  );

  app.get(
    '/v1/configurations',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['configurations'],
        summary: "The tenant's configurations in id order",
        querystring: ListConfigurationsQuery,
        response: { 200: ConfigurationPage, 400: problem, 401: problem, 403: problem },
      },
    },
    async function listConfigurationsRoute(request) {
      return configurations.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/configurations/:configurationId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['configurations'],
        summary: 'One configuration; the ETag is its version',
        params: Params,
        response: { 200: Configuration, ...problems },
      },
    },
    async function getConfigurationRoute(request, reply) {
      const configuration = await configurations.get(
        principalOf(request).tenantId,
        request.params.configurationId,
      );
      return reply.header('etag', etag(configuration.version)).send(configuration);
    },
  );

  app.patch(
    '/v1/configurations/:configurationId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['configurations'],
        summary: 'Change a configuration (the fields given replace theirs); If-Match supported',
        description:
          'A new target, priority or content is applied to the devices again; a new name, labels or metrics are not.',
        params: Params,
        headers: IfMatchHeaders,
        body: UpdateConfigurationBody,
        response: { 200: Configuration, ...writeProblems },
      },
    },
    async function updateConfigurationRoute(request, reply) {
      const configuration = await configurations.update(
        principalOf(request).tenantId,
        request.params.configurationId,
        request.body,
        parseIfMatch(request.headers['if-match']),
      );
      return reply.header('etag', etag(configuration.version)).send(configuration);
    },
  );

  app.delete(
    '/v1/configurations/:configurationId',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['configurations'],
        summary:
          'Delete a configuration: the properties it set are removed, unless another configuration sets them',
        params: Params,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function deleteConfigurationRoute(request, reply) {
      await configurations.delete(principalOf(request).tenantId, request.params.configurationId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/configurations/:configurationId/metrics',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['configurations'],
        summary:
          'Targeted, applied, pending, failed and overridden devices, each custom metric, and their history',
        description:
          'The current counts are computed at the request from the targets and the parameters the configuration set; `history` holds the periodic snapshots (every minute).',
        params: Params,
        querystring: MetricsQuery,
        response: { 200: ConfigurationMetrics, ...problems },
      },
    },
    async function configurationMetricsRoute(request) {
      return configurations.metrics(
        principalOf(request).tenantId,
        request.params.configurationId,
        request.query.history,
      );
    },
  );
}
