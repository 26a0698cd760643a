export { startWebhooks, type WebhookSettings } from './start-webhooks.js';
export {
  DISPATCH_JOB,
  type DispatcherOptions,
  FANOUT_CONSUMER,
  WebhookDispatcher,
} from './webhook-dispatcher.js';
export { registerWebhookRoutes } from './webhook-routes.js';
export type { Delivery, Endpoint } from './webhook-schemas.js';
export { type SenderOptions, type SendRequest, type SendResult, WebhookSender } from './webhook-sender.js';
export { REPLAY_LIMIT, type WebhookDeps, WebhookService } from './webhook-service.js';
export { newWebhookSecret, signWebhook } from './webhook-signature.js';
// The operator's private-target setting, for other signed senders (notifications).
export { readAllowPrivate as allowsPrivateTargets } from './webhook-store.js';
export { checkTarget, isPrivateAddress, parseTargetUrl } from './webhook-target.js';
