import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/** The ceiling of the HTTP path: a listening Fastify that parses the body and stores nothing. */
export interface BareRoute {
  readonly url: string;
  /** The Fastify version, which must be the server's for the comparison to mean anything. */
  readonly fastifyVersion: string;
  close(): Promise<void>;
}

/**
 * Starts a bare Fastify 5 (the same package the server uses, with its default JSON body
 * parser) whose ingest and Sigfox callback paths answer 204 and do nothing else, so that
 * the same load can be pointed at it and at Fleetport.
 */
export async function startBareRoute(): Promise<BareRoute> {
  const app = Fastify({ logger: false });
  const nothing = function nothing(_request: FastifyRequest, reply: FastifyReply) {
    reply.code(204).send();
  };
  app.post('/v1/ingest', nothing);
  app.post('/v1/callbacks/sigfox/:deviceTypeId', nothing);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    fastifyVersion: app.version,
    close: () => app.close(),
  };
}
