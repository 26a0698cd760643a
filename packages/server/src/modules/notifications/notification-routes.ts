import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import {
  Channel,
  ChannelPage,
  ChannelParams,
  ChannelWithSecret,
  CreateChannelBody,
  ListQuery,
  NotificationDetail,
  NotificationListQuery,
  NotificationPage,
  NotificationParams,
  Recipient,
  RecipientBody,
  RecipientPage,
  RecipientParams,
} from './notification-schemas.js';
import type { NotificationService } from './notification-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const tags = ['notifications'];

/** `/v1/notifications`: channels, recipients with their preferences, and the notifications sent. */
export function registerNotificationRoutes(app: App, notifications: NotificationService): void {
  app.post(
    '/v1/notifications/channels',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Create a channel: e-mail addresses, a signed webhook or an MQTT topic of the tenant',
        description:
          "A webhook channel answers its signing secret here only. E-mail needs the server's SMTP settings (`notification_channel_unavailable` otherwise); a webhook URL to a private address is `webhook_target_refused` unless the operator allowed the tenant those; a topic below `devices/` or with wildcards is `validation_failed` (docs/NOTIFICATIONS.md).",
        body: CreateChannelBody,
        response: { 201: ChannelWithSecret, ...problems, 422: problem },
      },
    },
    async function createNotificationChannelRoute(request, reply) {
      const created = await notifications.createChannel(principalOf(request).tenantId, request.body);
      return reply
        .status(201)
        .header('location', `/v1/notifications/channels/${created.channel.id}`)
        .send(created);
    },
  );

  app.get(
    '/v1/notifications/channels',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'Notification channels, by id',
        querystring: ListQuery,
        response: { 200: ChannelPage, ...problems },
      },
    },
    async function listNotificationChannelsRoute(request) {
      return notifications.listChannels(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/notifications/channels/:channelId',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'A notification channel',
        params: ChannelParams,
        response: { 200: Channel, ...problems },
      },
    },
    async function getNotificationChannelRoute(request) {
      return notifications.getChannel(principalOf(request).tenantId, request.params.channelId);
    },
  );

  app.delete(
    '/v1/notifications/channels/:channelId',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Delete a channel no recipient names (`notification_channel_in_use` otherwise)',
        params: ChannelParams,
        response: { 204: Type.Null(), ...problems, 409: problem },
      },
    },
    async function deleteNotificationChannelRoute(request, reply) {
      await notifications.deleteChannel(principalOf(request).tenantId, request.params.channelId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/notifications/recipients',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Create a recipient: its channels and which alerts it hears of, when and how',
        description:
          'Channels the tenant does not have are `notification_channel_unknown` (`data.unknown`); nothing is stored.',
        body: RecipientBody,
        response: { 201: Recipient, ...problems, 422: problem },
      },
    },
    async function createNotificationRecipientRoute(request, reply) {
      const created = await notifications.createRecipient(principalOf(request).tenantId, request.body);
      return reply.status(201).header('location', `/v1/notifications/recipients/${created.id}`).send(created);
    },
  );

  app.get(
    '/v1/notifications/recipients',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'Notification recipients, by id',
        querystring: ListQuery,
        response: { 200: RecipientPage, ...problems },
      },
    },
    async function listNotificationRecipientsRoute(request) {
      return notifications.listRecipients(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/notifications/recipients/:recipientId',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'A notification recipient',
        params: RecipientParams,
        response: { 200: Recipient, ...problems },
      },
    },
    async function getNotificationRecipientRoute(request) {
      return notifications.getRecipient(principalOf(request).tenantId, request.params.recipientId);
    },
  );

  app.put(
    '/v1/notifications/recipients/:recipientId',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: "Replace a recipient's name, channels and preferences",
        params: RecipientParams,
        body: RecipientBody,
        response: { 200: Recipient, ...problems, 422: problem },
      },
    },
    async function replaceNotificationRecipientRoute(request) {
      const { tenantId } = principalOf(request);
      return notifications.replaceRecipient(tenantId, request.params.recipientId, request.body);
    },
  );

  app.delete(
    '/v1/notifications/recipients/:recipientId',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Delete a recipient; what it was gathering is not sent',
        params: RecipientParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function deleteNotificationRecipientRoute(request, reply) {
      await notifications.deleteRecipient(principalOf(request).tenantId, request.params.recipientId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/notifications/messages',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'Notifications, newest first: gathering, pending (being tried), delivered or failed',
        querystring: NotificationListQuery,
        response: { 200: NotificationPage, ...problems },
      },
    },
    async function listNotificationsRoute(request) {
      return notifications.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/notifications/messages/:notificationId',
    {
      config: { scope: 'reader' },
      schema: {
        tags,
        summary: 'A notification with its text, its alert changes and every try',
        params: NotificationParams,
        response: { 200: NotificationDetail, ...problems },
      },
    },
    async function getNotificationRoute(request) {
      return notifications.get(principalOf(request).tenantId, request.params.notificationId);
    },
  );
}
