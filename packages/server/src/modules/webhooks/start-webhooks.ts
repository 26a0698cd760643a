import type { Registry } from 'prom-client';
import type { App } from '../../http/index.js';
import { Scheduler } from '../scheduler/index.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import { WebhookSender } from './webhook-sender.js';
import { type WebhookDeps, WebhookService } from './webhook-service.js';

export interface WebhookSettings {
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly retryHours: number;
  readonly disableAfterHours: number;
}

/**
 * Webhooks as the server runs them: a feed consumer queues deliveries, and a scheduler of
 * their own sends them, so slow receivers hold none of the other modules' timed work.
 * Returns what closes them, in order.
 */
export function startWebhooks(
  app: App,
  deps: Omit<WebhookDeps, 'scheduler'> & { readonly metrics?: Registry },
  settings: WebhookSettings,
): { close(): Promise<void> } {
  const { metrics, ...schedulerDeps } = deps;
  const scheduler = new Scheduler(schedulerDeps, { concurrency: 16 });
  const sender = new WebhookSender({ timeoutMs: settings.timeoutMs, concurrency: settings.concurrency });
  const webhookDeps = { ...deps, scheduler };
  const dispatcher = new WebhookDispatcher(webhookDeps, sender, {
    retryPeriodMs: settings.retryHours * 3_600_000,
    disableAfterMs: settings.disableAfterHours * 3_600_000,
    timeoutMs: settings.timeoutMs,
  });
  registerWebhookRoutes(app, new WebhookService(webhookDeps, dispatcher));
  dispatcher.start();
  scheduler.start();
  return {
    close: async () => {
      await dispatcher.close();
      await scheduler.close();
      sender.close();
    },
  };
}
