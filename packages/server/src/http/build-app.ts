import { timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import { AppError } from '../kernel/errors.js';
import { uuidv7 } from '../kernel/ids.js';
import { type Authenticators, installAuth } from './auth.js';
import { handleClientError, handleError } from './error-handler.js';
import { installJsonParser, invalidText } from './json-body.js';
import { installMetrics } from './metrics.js';
import { Problem, toProblem } from './problem.js';
import { buildValidatorCompiler } from './validators.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface BuildAppOptions {
  readonly logger: FastifyBaseLogger | false;
  readonly bodyLimit: number;
  readonly authenticators: Authenticators;
  /**
   * Resolves to nothing when the server can serve, or to why it cannot yet (still starting);
   * rejects when the database does not answer. `/readyz` is 503 in both cases.
   */
  readonly ready: () => Promise<string | undefined>;
  readonly version: string;
  /** Web origins allowed to call the API from a browser (CORS); none by default. */
  readonly corsOrigins?: readonly string[];
  /** The bearer token `/metrics` asks for; unset leaves it open. */
  readonly metricsToken?: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus registry behind `/metrics`. */
    metrics: Registry;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP core: request ids, authentication, problem documents, OpenAPI, health and
 * metrics. It knows no business; modules add their routes with `register`.
 */
export async function buildApp({
  logger,
  bodyLimit,
  authenticators,
  ready,
  version,
  corsOrigins = [],
  metricsToken,
}: BuildAppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: logger === false ? undefined : logger,
    logger: logger === false ? false : undefined,
    bodyLimit,
    requestIdHeader: false,
    genReqId(request) {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Device ids may be 128 characters, and URL-encoded ones longer: leave room, and let
    // the schema refuse what is too long with a problem document.
    routerOptions: { maxParamLength: 1024 },
    // Failures before routing (a malformed URL, an over-long parameter) get a problem
    // document like every other error.
    frameworkErrors: function frameworkError(error, request, reply) {
      return handleError(error, request, reply);
    },
    clientErrorHandler: handleClientError,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setValidatorCompiler(buildValidatorCompiler());
  // Only JSON (and the content types a route registers itself) is accepted: a JSON body
  // sent as text/plain is unsupported_media_type, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  installJsonParser(app);
  app.addHook('onRequest', async function refuseUndecodableQuery(request) {
    const start = request.url.indexOf('?');
    if (start < 0) return;
    // The query parser keeps a broken escape (`%FF`, an encoded lone surrogate) as literal
    // text, which would then be stored as if it had been sent that way.
    try {
      decodeURIComponent(request.url.slice(start + 1));
    } catch {
      throw invalidText('the query string (not percent-encoded UTF-8)');
    }
  });
  // Every route that takes a body can refuse its content type and size: say so in OpenAPI.
  app.addHook('onRoute', function documentBodyRefusals(route) {
    const schema = route.schema;
    if (schema?.body === undefined || schema.hide) return;
    schema.response = { 413: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' }, ...(schema.response ?? {}) };
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(function routeNotFound(request, reply) {
    return handleError(
      new AppError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    );
  });
  // While shutting down, answers to requests still in flight close their connection, so
  // that keep-alive sockets do not hold the shutdown open until its timeout.
  let closing = false;
  app.addHook('preClose', async function markClosing() {
    closing = true;
  });
  app.addHook('onSend', async function echoRequestId(request, reply) {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  app.addSchema(Problem);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Fleetport API',
        version,
        description:
          'Every /v1 route needs `Authorization: Bearer <key>` or a console session (the `fleetport_session` cookie of `POST /v1/auth/login`, whose writes carry `X-CSRF-Token`). Errors are `application/problem+json` with a stable `code`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'an API key (fpk_…)' },
          deviceToken: { type: 'http', scheme: 'bearer', description: 'a device token (fpd_…)' },
          callbackSecret: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Fleetport-Secret',
            description: "a secret of the callback's device type (fpc_…); a bearer token works too",
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'fleetport_session',
            description:
              'a console session (POST /v1/auth/login); its writes also need the X-CSRF-Token header',
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    // Shared schemas keep their `$id` as their name (`#/components/schemas/Device`, not
    // `def-4`): clients generated from the document (packages/sdk) name their types after them.
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`;
      },
    },
    transformObject: function optionalDefaults(documents) {
      const document = 'openapiObject' in documents ? documents.openapiObject : documents.swaggerObject;
      markDefaultedQueryOptional(document.paths ?? {});
      return document;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  if (corsOrigins.length > 0) {
    // Before authentication, so that refusals (401, 403) reach the web app readable too.
    await app.register(cors, {
      origin: [...corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'if-match',
        'x-request-id',
        'x-fleetport-secret',
        'x-csrf-token',
      ],
      exposedHeaders: ['etag', 'location', 'x-request-id', 'x-total-count', 'www-authenticate'],
      maxAge: 600,
    });
  }

  installAuth(app, authenticators);
  const registry: Registry = installMetrics(app);
  // Modules register their own counters here, so that /metrics shows them.
  app.decorate('metrics', registry);

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async function openapi() {
    return app.swagger();
  });
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async function healthz() {
    return { status: 'ok' };
  });
  app.get(
    '/readyz',
    { config: { public: true }, schema: { hide: true } },
    async function readyz(request, reply) {
      let waiting: string | undefined;
      try {
        waiting = await ready();
      } catch (error) {
        throw new AppError('unavailable', 'the database is not reachable', undefined, { cause: error });
      }
      // Starting up is expected, not a failure: answered 503 without an error in the log.
      if (waiting !== undefined)
        return reply.code(503).send(toProblem(new AppError('unavailable', waiting), request.id));
      return { status: 'ready' };
    },
  );
  app.get(
    '/metrics',
    { config: { public: true }, schema: { hide: true } },
    async function metrics(request, reply) {
      if (metricsToken !== undefined && !bearerMatches(request.headers.authorization, metricsToken))
        throw new AppError('unauthenticated', 'the metrics token is required: Authorization: Bearer <token>');
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return app;
}

/** Compares a bearer token in constant time, so that the answer's timing does not reveal it. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A query parameter with a default (`limit`) is one the client may leave out, though the
 * route's schema lists it as required (the validator fills it in before the handler runs).
 */
function markDefaultedQueryOptional(paths: Readonly<Record<string, unknown>>): void {
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations as Record<string, unknown>)) {
      const parameters = (operation as { parameters?: unknown }).parameters;
      if (!Array.isArray(parameters)) continue;
      for (const parameter of parameters as { in?: string; required?: boolean; schema?: object }[]) {
        if (
          parameter.in === 'query' &&
          parameter.required &&
          parameter.schema &&
          'default' in parameter.schema
        )
          parameter.required = false;
      }
    }
  }
}
