import type { Config } from '../../config.js';
import type { App } from '../../http/index.js';
import type { ServerPublishing } from '../mqtt-access/index.js';
import { Scheduler } from '../scheduler/index.js';
import { WebhookSender } from '../webhooks/index.js';
import { type DispatchDeps, NotificationDispatcher } from './notification-dispatcher.js';
import { registerNotificationRoutes } from './notification-routes.js';
import { NotificationService } from './notification-service.js';
import { SmtpMailer, type SmtpSettings } from './smtp-mailer.js';

export interface NotificationSettings {
  /** Unset: e-mail channels are refused. */
  readonly smtp?: SmtpSettings;
  readonly retryHours: number;
  /** The webhook channels' timeout (the webhooks' setting). */
  readonly webhookTimeoutMs: number;
}

/** The settings from the server's configuration (the FLEETPORT_SMTP_* keys and the retry period). */
export function notificationSettings(
  config: Pick<
    Config,
    | 'smtpHost'
    | 'smtpPort'
    | 'smtpSecurity'
    | 'smtpUser'
    | 'smtpPassword'
    | 'smtpFrom'
    | 'smtpTimeoutMs'
    | 'notificationRetryHours'
    | 'webhookTimeoutMs'
  >,
): NotificationSettings {
  return {
    ...(config.smtpHost === undefined
      ? {}
      : {
          smtp: {
            host: config.smtpHost,
            port: config.smtpPort,
            security: config.smtpSecurity,
            ...(config.smtpUser === undefined
              ? {}
              : { user: config.smtpUser, password: config.smtpPassword }),
            from: config.smtpFrom ?? '',
            timeoutMs: config.smtpTimeoutMs,
          },
        }),
    retryHours: config.notificationRetryHours,
    webhookTimeoutMs: config.webhookTimeoutMs,
  };
}

/**
 * Notifications as the server runs them: the routes, the consumer that gathers alert
 * changes, and the sends on a scheduler of their own (a slow SMTP server holds up no other
 * module's timed work). `mqtt` answers the broker once it runs. Returns what closes them.
 */
export function startNotifications(
  app: App,
  deps: Omit<DispatchDeps, 'scheduler'>,
  settings: NotificationSettings,
  mqtt: () => ServerPublishing | undefined,
): { close(): Promise<void> } {
  const { metrics: _metrics, ...schedulerDeps } = deps;
  const scheduler = new Scheduler(schedulerDeps, { concurrency: 8 });
  const mailer = settings.smtp === undefined ? undefined : new SmtpMailer(settings.smtp);
  const webhooks = new WebhookSender({ timeoutMs: settings.webhookTimeoutMs, concurrency: 16 });
  const dispatcher = new NotificationDispatcher(
    { ...deps, scheduler },
    { ...(mailer ? { mailer } : {}), webhooks, mqtt },
    { retryPeriodMs: settings.retryHours * 3_600_000 },
  );
  const service = new NotificationService({
    store: deps.store,
    clock: deps.clock,
    available: (kind) => kind !== 'email' || mailer !== undefined,
  });
  registerNotificationRoutes(app, service);
  dispatcher.start();
  scheduler.start();
  return {
    close: async () => {
      await dispatcher.close();
      await scheduler.close();
      webhooks.close();
      mailer?.close();
    },
  };
}
