export {
  type ChannelPorts,
  type DispatchDeps,
  type DispatchOptions,
  IMMEDIATE_GAP_MS,
  NOTIFY_CONSUMER,
  NotificationDispatcher,
  SEND_JOB,
} from './notification-dispatcher.js';
export { registerNotificationRoutes } from './notification-routes.js';
export type { Channel, Notification, Recipient } from './notification-schemas.js';
export { type NotificationDeps, NotificationService } from './notification-service.js';
export { type Mail, type Mailer, SmtpMailer, type SmtpSettings } from './smtp-mailer.js';
export {
  type NotificationSettings,
  notificationSettings,
  startNotifications,
} from './start-notifications.js';
