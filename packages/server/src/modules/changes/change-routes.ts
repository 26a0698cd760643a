import { type App, principalOf } from '../../http/index.js';
import { AppError } from '../../kernel/errors.js';
import { type ChangeDeps, readFeed } from './change-feed.js';
import { ChangePage, ReadChangesQuery } from './change-schemas.js';

const problem = { $ref: 'Problem#' };

/** `GET /v1/changes`: the tenant's change feed, with long polling. */
export function registerChangeRoutes(app: App, deps: ChangeDeps): void {
  // Long polls end when the server starts closing, so that they never hold a shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async function endLongPolls() {
    closing.abort();
  });

  app.get(
    '/v1/changes',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['changes'],
        summary: "The tenant's changes in commit order; follow `nextCursor` to see each exactly once",
        description:
          'Covers device and device-type changes (messages join with capture). A consumer that stores `nextCursor` and passes it back as `since` sees every change once, in commit order, across restarts of either side. `wait` makes an empty read wait up to that many seconds for the next change.',
        querystring: ReadChangesQuery,
        response: { 200: ChangePage, 400: problem, 401: problem, 403: problem },
      },
    },
    async function readChangesRoute(request, reply) {
      // The response's 'close' before it was sent means the client went away.
      const gone = new AbortController();
      const onClose = () => gone.abort();
      reply.raw.once('close', onClose);
      const since = request.query.since;
      // Positions are exact integers only up to 2^53 - 1: a larger cursor would be read as a
      // smaller one, and the answer's cursor would then go backwards.
      if (since !== undefined && since !== 'latest' && BigInt(since) > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new AppError(
          'validation_failed',
          `since must be a cursor this API gave out: at most ${Number.MAX_SAFE_INTEGER}`,
          { field: 'since', max: String(Number.MAX_SAFE_INTEGER) },
        );
      }
      try {
        return await readFeed(deps, principalOf(request).tenantId, {
          since,
          limit: request.query.limit,
          waitMs: request.query.wait * 1000,
          signal: AbortSignal.any([gone.signal, closing.signal]),
        });
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}
