import { type App, principalOf } from '../../http/index.js';
import {
  ActionBody,
  Alert,
  AlertDetail,
  AlertPage,
  AlertParams,
  CommentBody,
  CommentResult,
  ListAlertsQuery,
} from './alert-schemas.js';
import type { AlertService } from './alert-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** Alerts: list with filters, one with its history, acknowledge, clear, comment. */
export function registerAlertRoutes(app: App, alerts: AlertService): void {
  app.get(
    '/v1/alerts',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['alerts'],
        summary: "The tenant's alerts, newest first, with filters",
        description:
          'Filters combine: `state` (`active` is open or acknowledged), `severity`, `type`, `deviceId`, and `from`/`to` on the first occurrence. Pages by keyset: pass `nextCursor` as `cursor`. See docs/ALERTS.md.',
        querystring: ListAlertsQuery,
        response: { 200: AlertPage, 400: problem, 401: problem, 403: problem },
      },
    },
    async function listAlertsRoute(request) {
      return alerts.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/alerts/:alertId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['alerts'],
        summary: 'An alert with its history: transitions and comments, who and when',
        params: AlertParams,
        response: { 200: AlertDetail, ...problems },
      },
    },
    async function getAlertRoute(request) {
      return alerts.get(principalOf(request).tenantId, request.params.alertId);
    },
  );

  for (const action of ['acknowledge', 'clear'] as const) {
    app.post(
      `/v1/alerts/:alertId/${action}`,
      {
        config: { scope: 'operator' },
        schema: {
          tags: ['alerts'],
          summary:
            action === 'acknowledge'
              ? 'Acknowledge an open alert (someone is on it); it stays active until cleared'
              : 'Clear an open or acknowledged alert; a later raise of its type and subject opens a new one',
          description: `Audited with the calling key and the optional comment, and in the change feed (\`alert.${action === 'acknowledge' ? 'acknowledged' : 'cleared'}\`). From any other state: \`409 alert_transition_refused\`, nothing changed.`,
          params: AlertParams,
          body: ActionBody,
          response: { 200: Alert, ...problems, 409: problem },
        },
      },
      async function alertActionRoute(request) {
        return alerts.act(principalOf(request), request.params.alertId, action, request.body ?? {});
      },
    );
  }

  app.post(
    '/v1/alerts/:alertId/comments',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Comment on an alert, whatever its state (`alert.commented` in the change feed)',
        params: AlertParams,
        body: CommentBody,
        response: { 201: CommentResult, ...problems },
      },
    },
    async function commentAlertRoute(request, reply) {
      reply.code(201);
      return alerts.comment(principalOf(request), request.params.alertId, request.body);
    },
  );
}
