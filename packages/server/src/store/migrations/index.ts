import type { Migration } from 'kysely';
import * as registry from './0001-registry.js';
import * as changes from './0002-changes.js';
import * as capture from './0003-capture.js';
import * as mqtt from './0004-mqtt.js';
import * as codecs from './0005-codecs.js';
import * as mqttPolicies from './0006-mqtt-policies.js';
import * as mqttSubscriptionExcept from './0007-mqtt-subscription-except.js';
import * as messagesIdentityPartial from './0008-messages-identity-partial.js';
import * as feedConsumers from './0009-feed-consumers.js';
import * as scheduler from './0010-scheduler.js';
import * as captureDeliveries from './0011-capture-deliveries.js';
import * as twins from './0012-twins.js';
import * as commands from './0013-commands.js';
import * as jobs from './0014-jobs.js';
import * as configurations from './0015-configurations.js';
import * as twinDownlinks from './0016-twin-downlinks.js';
import * as lifecycle from './0017-lifecycle.js';
import * as mqttTrackedDeliveries from './0018-mqtt-tracked-deliveries.js';
import * as health from './0022-health.js';
import * as alerts from './0023-alerts.js';
import * as webhooks from './0024-webhooks.js';
import * as notifications from './0025-notifications.js';
import * as mqttExport from './0026-mqtt-export.js';
import * as users from './0027-users.js';

/** Every migration, in order. Names are permanent: never rename or reorder one. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-registry': registry,
  '0002-changes': changes,
  '0003-capture': capture,
  '0004-mqtt': mqtt,
  '0005-codecs': codecs,
  '0006-mqtt-policies': mqttPolicies,
  '0007-mqtt-subscription-except': mqttSubscriptionExcept,
  '0008-messages-identity-partial': messagesIdentityPartial,
  '0009-feed-consumers': feedConsumers,
  '0010-scheduler': scheduler,
  '0011-capture-deliveries': captureDeliveries,
  '0012-twins': twins,
  '0013-commands': commands,
  '0014-jobs': jobs,
  '0015-configurations': configurations,
  '0016-twin-downlinks': twinDownlinks,
  '0017-lifecycle': lifecycle,
  '0018-mqtt-tracked-deliveries': mqttTrackedDeliveries,
  '0022-health': health,
  '0023-alerts': alerts,
  '0024-webhooks': webhooks,
  '0025-notifications': notifications,
  '0026-mqtt-export': mqttExport,
  '0027-users': users,
};
