import type { ColumnType, Generated } from 'kysely';

/**
 * The database as Kysely sees it: the same tables on every dialect. Times are Unix
 * milliseconds in 64-bit integers; JSON is stored as text so that both dialects read it
 * the same way.
 */
export interface Database {
  tenants: TenantTable;
  api_keys: ApiKeyTable;
  device_types: DeviceTypeTable;
  devices: DeviceTable;
  device_tags: DeviceTagTable;
  device_credentials: DeviceCredentialTable;
  import_staging: ImportStagingTable;
  changes: ChangeTable;
  callback_secrets: CallbackSecretTable;
  messages: MessageTable;
  receptions: ReceptionTable;
  device_state: DeviceStateTable;
  sequence_gaps: SequenceGapTable;
  codec_versions: CodecVersionTable;
  message_decodes: MessageDecodeTable;
  jobs: JobTable;
  codec_state: CodecStateTable;
  feed_consumers: FeedConsumerTable;
  feed_cursors: FeedCursorTable;
  scheduled_jobs: ScheduledJobTable;
  commands: CommandTable;
  command_events: CommandEventTable;
  twins: TwinTable;
  twin_parameters: TwinParameterTable;
  twin_reported_fields: TwinReportedFieldsTable;
  fleet_jobs: FleetJobTable;
  fleet_job_devices: FleetJobDeviceTable;
  configurations: ConfigurationTable;
  configuration_targets: ConfigurationTargetTable;
  configuration_metrics: ConfigurationMetricsTable;
  twin_delivery: TwinDeliveryTable;
  lifecycle_transitions: LifecycleTransitionTable;
  device_type_lifecycle: DeviceTypeLifecycleTable;
  network_contracts: NetworkContractTable;
  contract_devices: ContractDeviceTable;
  service_subscriptions: ServiceSubscriptionTable;
  alerts: AlertTable;
  alert_events: AlertEventTable;
  device_silence: DeviceSilenceTable;
  silence_clock: SilenceClockTable;
  silence_downtimes: SilenceDowntimeTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  webhook_settings: WebhookSettingsTable;
  mqtt_export_settings: MqttExportSettingsTable;
  notification_channels: NotificationChannelTable;
  notification_recipients: NotificationRecipientTable;
  notifications: NotificationTable;
  notification_items: NotificationItemTable;
  notification_attempts: NotificationAttemptTable;
  health_samples: HealthSampleTable;
  device_type_health: DeviceTypeHealthTable;
  users: UserTable;
  user_sessions: UserSessionTable;
  user_tokens: UserTokenTable;
  login_throttle: LoginThrottleTable;
}

type Millis = ColumnType<number, number, number>;

export interface TenantTable {
  id: string;
  name: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  name: string;
  key_hash: string;
  scope: string;
  is_system: number;
  expires_at: Millis | null;
  revoked_at: Millis | null;
  last_used_at: Millis | null;
  created_at: Millis;
}

export interface DeviceTypeTable {
  tenant_id: string;
  id: string;
  name: string;
  description: string;
  expected_uplink_interval_s: number | null;
  settings: string;
  /** JSON: the capture settings (late threshold, sequence width, auto-create). */
  capture: Generated<string>;
  /** The codec (0005): kind and source, null when the type has none; version 0 before the first. */
  codec_kind: ColumnType<string | null, string | null | undefined, string | null>;
  codec_source: ColumnType<string | null, string | null | undefined, string | null>;
  codec_version: Generated<number>;
  codec_updated_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** JSON string map: codec variables, overridden by the device's. */
  variables: Generated<string>;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface DeviceTable {
  tenant_id: string;
  id: string;
  type_id: string;
  name: string;
  tags: string;
  attributes: string;
  /** JSON string map: codec variables, over the type's. */
  variables: Generated<string>;
  version: number;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
  /** The lifecycle state (0017; docs/LIFECYCLE.md); `manufactured` when created. */
  lifecycle: Generated<string>;
  /** When the state was entered; null: since the device was created. */
  lifecycle_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** The first activation, kept through later states. */
  activated_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DeviceTagTable {
  tenant_id: string;
  device_id: string;
  key: string;
  value: string;
}

export interface DeviceCredentialTable {
  id: string;
  tenant_id: string;
  device_id: string;
  kind: string;
  name: string;
  secret_hash: string | null;
  fingerprint: string | null;
  expires_at: Millis | null;
  created_at: Millis;
}

export interface ImportStagingTable {
  import_id: string;
  seq: Generated<number>;
  line: number;
  tenant_id: string;
  device_id: string;
  type_id: string;
  name: string;
  tags: string;
  attributes: string;
  created_at: Millis;
}

export interface ChangeTable {
  position: Generated<number>;
  tenant_id: string;
  kind: string;
  entity_id: string;
  data: string;
  created_at: Millis;
}

export interface CallbackSecretTable {
  id: string;
  tenant_id: string;
  type_id: string;
  name: string;
  secret_hash: string;
  created_at: Millis;
}

export interface MessageTable {
  id: string;
  tenant_id: string;
  device_id: string;
  type_id: string;
  transport: string;
  dedup_key: string;
  received_at: Millis;
  device_time: Millis | null;
  seq: number | null;
  message_id: string | null;
  payload: Buffer;
  payload_json: string | null;
  timeliness: string;
  out_of_order: number;
  sequence_event: string | null;
  stored_at: Millis;
}

export interface ReceptionTable {
  message_id: string;
  station: string;
  tenant_id: string;
  received_at: Millis;
  rssi: number | null;
  snr: number | null;
  lat: number | null;
  lng: number | null;
  data: string;
}

export interface DeviceStateTable {
  tenant_id: string;
  device_id: string;
  last_seen_at: Millis;
  last_message_id: string;
  latest_message_id: string | null;
  latest_device_time: Millis | null;
  seq_max: number | null;
  seq_time: Millis | null;
  seq_resets: number;
  message_count: number;
  duplicate_count: number;
  out_of_order_count: number;
}

export interface SequenceGapTable {
  id: string;
  tenant_id: string;
  device_id: string;
  from_seq: number;
  to_seq: number;
  opened_at: Millis;
  closed_at: Millis | null;
  closed_by: string | null;
}

/** One change of a device type's codec: the audit trail. */
export interface CodecVersionTable {
  tenant_id: string;
  type_id: string;
  version: number;
  previous_version: number;
  /** Null when the codec was removed. */
  kind: string | null;
  source: string | null;
  /** The API key that made the change. */
  changed_by: string;
  changed_at: Millis;
}

/** What decoding made of a message; written after capture, overwritten by a re-decode. */
export interface MessageDecodeTable {
  message_id: string;
  tenant_id: string;
  codec_version: number;
  /** JSON, null when decoding failed. */
  data: string | null;
  /** JSON arrays of strings. */
  warnings: string;
  errors: string;
  decoded_at: Millis;
}

/** Long-running work with progress (re-decodes). */
export interface JobTable {
  id: string;
  tenant_id: string;
  kind: string;
  target: string;
  params: string;
  state: string;
  total: number;
  done: number;
  failed: number;
  error: string | null;
  created_by: string;
  created_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
}

export interface CodecStateTable {
  name: string;
  value: string;
}

export interface FeedConsumerTable {
  name: string;
  holder: string | null;
  lease_until: Millis;
  fence: number;
  start_after: number;
  created_at: Millis;
}

export interface FeedCursorTable {
  consumer: string;
  tenant_id: string;
  position: number;
  updated_at: Millis;
}

export interface ScheduledJobTable {
  key: string;
  handler: string;
  payload: string;
  run_at: Millis;
  every_ms: number | null;
  version: number;
  lease_until: Millis;
  attempts: number;
  failures: number;
  last_error: string | null;
  last_failed_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

/** A command or direct-method call (0013); see modules/commands. */
export interface CommandTable {
  tenant_id: string;
  id: string;
  device_id: string;
  /** `command` (queued) or `method` (a direct-method call, never queued). */
  kind: string;
  name: string;
  /** `mqtt`, `http` or `sigfox`. */
  transport: string;
  status: string;
  /** Raw bytes to send, or null when `data` is encoded by the type's codec at send time. */
  payload: Uint8Array | null;
  /** JSON text: what the codec encodes, or the body of a method call. */
  data: string | null;
  priority: number;
  qos: number;
  confirmed: number;
  max_attempts: number;
  backoff_ms: number;
  attempts: number;
  expires_at: number | null;
  idempotency_key: string | null;
  twin_parameter: string | null;
  /** What the transport hands out for it: the Sigfox uplink whose BIDIR answer carried it. */
  delivery_ref: string | null;
  /** JSON text: what the device answered (acknowledgement or method reply). */
  result: string | null;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

/** One status transition of a command, with its transport details (JSON text). */
export interface CommandEventTable {
  tenant_id: string;
  command_id: string;
  seq: number;
  device_id: string;
  status: string;
  detail: string;
  at: Millis;
}

/** A device's twin (0012): desired and reported JSON, versions, per-property metadata (JSON). */
export interface TwinTable {
  tenant_id: string;
  device_id: string;
  desired: string;
  desired_meta: string;
  desired_version: number;
  reported: string;
  reported_meta: string;
  reported_version: number;
  created_at: Millis;
  updated_at: Millis;
}

/** The delivery of one desired value: pending, sent, applied, failed or superseded. */
export interface TwinParameterTable {
  tenant_id: string;
  device_id: string;
  name: string;
  /** The desired version that set this value. */
  version: number;
  /** JSON. */
  value: string;
  status: string;
  attempts: number;
  set_by: string;
  pending_at: Millis;
  sent_at: Millis | null;
  applied_at: Millis | null;
  failed_at: Millis | null;
  superseded_at: Millis | null;
  error: string | null;
  updated_at: Millis;
  /** The downlink carrying this value (0016), for a type whose twins are delivered as downlinks. */
  command_id: string | null;
  /** Why it failed, as a stable code (0016): `encoding_failed`, `downlink_too_long`… */
  error_code: string | null;
}

/** How a device type's desired values reach its devices (0016); no row: `mqtt`. */
export interface TwinDeliveryTable {
  tenant_id: string;
  type_id: string;
  /** `sigfox` or `http` (downlinks on the command queue). */
  delivery: string;
  /** JSON: groups, attempts, backoff of the downlinks. */
  downlink: string;
  updated_at: Millis;
}

/** Which decoded fields of a device type's uplinks are reported properties (JSON map). */
export interface TwinReportedFieldsTable {
  tenant_id: string;
  type_id: string;
  fields: string;
  updated_at: Millis;
}

/** A fleet job (0014): one command or twin patch over many devices; see modules/jobs. */
export interface FleetJobTable {
  tenant_id: string;
  id: string;
  name: string;
  /** `command` or `twin`. */
  kind: string;
  /** JSON text: the command body, or the desired patch. */
  spec: string;
  /** The CEL condition that chose the devices; null for a list. */
  target_where: string | null;
  status: string;
  rate_per_minute: number | null;
  max_concurrency: number | null;
  timeout_ms: number | null;
  max_attempts: number;
  abort_failed_percent: number | null;
  abort_min_finished: number | null;
  /** 1 once every targeted device has its row. */
  resolved: number;
  /** The last device id resolved from the condition (streamed in pages). */
  resolve_cursor: string | null;
  /** When the rollout rate lets the next device start. */
  next_slot_at: Millis;
  targeted: number;
  pending: number;
  in_progress: number;
  succeeded: number;
  failed: number;
  timed_out: number;
  cancelled: number;
  reason: string | null;
  version: number;
  created_at: Millis;
  updated_at: Millis;
  started_at: Millis | null;
  finished_at: Millis | null;
}

/** One device's execution of a fleet job. */
export interface FleetJobDeviceTable {
  tenant_id: string;
  job_id: string;
  device_id: string;
  status: string;
  attempts: number;
  command_id: string | null;
  twin_version: Millis | null;
  /** When an execution in progress times out; null when it does not or is over. */
  deadline_at: Millis | null;
  error: string | null;
  started_at: Millis | null;
  finished_at: Millis | null;
  updated_at: Millis;
}

/** A fleet configuration; `content`, `labels` and `metrics` are JSON. */
export interface ConfigurationTable {
  tenant_id: string;
  id: string;
  name: string;
  target: string;
  priority: number;
  content: string;
  labels: string;
  metrics: string;
  version: number;
  /** The last version applied to every device it targets. */
  applied_version: number;
  created_at: Millis;
  updated_at: Millis;
  deleted_at: Millis | null;
}

/** A device a configuration's target matches now; `error` when applying to it failed. */
export interface ConfigurationTargetTable {
  tenant_id: string;
  configuration_id: string;
  device_id: string;
  error: string | null;
  since: Millis;
}

/** A snapshot of a configuration's metrics (JSON). */
export interface ConfigurationMetricsTable {
  tenant_id: string;
  configuration_id: string;
  at: Millis;
  metrics: string;
}

/** One lifecycle transition of a device (0017): the audit trail. */
export interface LifecycleTransitionTable {
  tenant_id: string;
  id: string;
  device_id: string;
  /** 1, 2, … per device: the order of its transitions. */
  seq: number;
  from_state: string;
  to_state: string;
  /** `principal` (an API key) or `platform` (an automatic rule). */
  actor_kind: string;
  /** The key id, or the rule's name. */
  actor: string;
  reason: string;
  at: Millis;
}

/** A device type's lifecycle stage (0017): `test`, `production` or `none`. */
export interface DeviceTypeLifecycleTable {
  tenant_id: string;
  type_id: string;
  stage: string;
  updated_at: Millis;
}

/** A network contract and its tokens (0017). */
export interface NetworkContractTable {
  tenant_id: string;
  id: string;
  name: string;
  provider: string;
  tokens: number;
  /** Free tokens at or below this raise the low-tokens warning. */
  low_tokens: number;
  starts_at: Millis;
  ends_at: Millis;
  warn_days: number;
  ending_warned_at: Millis | null;
  low_warned_at: Millis | null;
  ended_at: Millis | null;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

/** A device's token on a contract (0017): one contract per device. */
export interface ContractDeviceTable {
  tenant_id: string;
  device_id: string;
  contract_id: string;
  assigned_at: Millis;
}

/** A device's service subscription (0017). */
export interface ServiceSubscriptionTable {
  tenant_id: string;
  device_id: string;
  plan: string;
  starts_at: Millis;
  ends_at: Millis;
  warn_days: number;
  ending_warned_at: Millis | null;
  ended_at: Millis | null;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

/** An alert (0023); `dedup_key` is `d:<deviceId>` or `f:<subject>`. */
export interface AlertTable {
  tenant_id: string;
  id: string;
  type: string;
  severity: string;
  state: string;
  device_id: string | null;
  subject: string | null;
  dedup_key: string;
  message: string;
  details: string;
  occurrences: number;
  first_at: Millis;
  last_at: Millis;
  acknowledged_at: Millis | null;
  acknowledged_by: string | null;
  cleared_at: Millis | null;
  cleared_by: string | null;
  /** How many `alert_events` rows the alert has: the next one's seq. */
  events: number;
  version: number;
  updated_at: Millis;
}

/** One transition or comment of an alert (0023). */
export interface AlertEventTable {
  tenant_id: string;
  alert_id: string;
  seq: number;
  action: string;
  actor_kind: string;
  actor: string;
  text: string | null;
  at: Millis;
}

/** A device watched for silence (0023): `due_at` on the silence clock. */
export interface DeviceSilenceTable {
  tenant_id: string;
  device_id: string;
  last_seen_at: Millis | null;
  due_at: Millis | null;
  silent_since: Millis | null;
  interval_s: number | null;
}

/** When a server last showed it was running (0023, one row). */
export interface SilenceClockTable {
  id: number;
  alive_at: Millis;
}

/** A time no server ran (0023): it does not count towards silence. */
export interface SilenceDowntimeTable {
  from_at: Millis;
  to_at: Millis;
}

/** A tenant's webhook receiver (0024). */
export interface WebhookEndpointTable {
  tenant_id: string;
  id: string;
  url: string;
  description: string;
  /** JSON array of change kinds; empty: every kind. */
  event_types: string;
  filter: string | null;
  ordered: number;
  enabled: number;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Millis | null;
  start_after: Millis;
  consecutive_failures: number;
  breaker_until: Millis;
  failing_since: Millis | null;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

/** One change (or test, retry, replay) to send to one endpoint, and where it stands (0024). */
export interface WebhookDeliveryTable {
  seq: Generated<number>;
  tenant_id: string;
  endpoint_id: string;
  message_id: string;
  position: Millis;
  event_type: string;
  body: string;
  origin: string;
  status: string;
  attempts: number;
  next_attempt_at: Millis;
  lease_until: Millis;
  last_status: number | null;
  last_error: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** One HTTP try of a delivery: the delivery log (0024). */
export interface WebhookAttemptTable {
  seq: Generated<number>;
  tenant_id: string;
  endpoint_id: string;
  delivery_seq: Millis;
  request_id: string;
  attempt: number;
  url: string;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number;
  error: string | null;
  at: Millis;
}

/** What the operator allows a tenant's webhooks (0024). */
export interface WebhookSettingsTable {
  tenant_id: string;
  allow_private_targets: number;
  updated_at: Millis;
}

/** Whether a tenant's changes go out on the MQTT export topics (0026; modules/mqtt-export). */
export interface MqttExportSettingsTable {
  tenant_id: string;
  enabled: number;
  /** The feed position when the export was turned on: older changes are not published. */
  start_after: Millis;
  updated_at: Millis;
}

/** A tenant's notification channel: e-mail addresses, a webhook URL or an MQTT topic (0025). */
export interface NotificationChannelTable {
  tenant_id: string;
  id: string;
  name: string;
  kind: string;
  /** JSON: `{ to }`, `{ url }` or `{ topic, qos }` by kind. */
  settings: string;
  /** A webhook channel's signing secret. */
  secret: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** Who is told of which alerts, how and when (0025). */
export interface NotificationRecipientTable {
  tenant_id: string;
  id: string;
  name: string;
  /** JSON array of channel ids. */
  channel_ids: string;
  /** JSON: types, severities, events, quiet hours, delivery. */
  preferences: string;
  created_at: Millis;
  updated_at: Millis;
}

/** One message to one channel of a recipient: gathering, pending, delivered or failed (0025). */
export interface NotificationTable {
  seq: Generated<number>;
  tenant_id: string;
  recipient_id: string;
  channel_id: string;
  status: string;
  items: number;
  send_at: Millis;
  sealed_at: Millis | null;
  subject: string | null;
  body: string | null;
  attempts: number;
  last_error: string | null;
  created_at: Millis;
  updated_at: Millis;
}

/** One alert change in a notification (0025). */
export interface NotificationItemTable {
  tenant_id: string;
  notification_seq: Millis;
  position: Millis;
  kind: string;
  alert: string;
}

/** One try of sending a notification (0025). */
export interface NotificationAttemptTable {
  seq: Generated<number>;
  tenant_id: string;
  notification_seq: Millis;
  attempt: number;
  ok: number;
  detail: string | null;
  error: string | null;
  duration_ms: number;
  at: Millis;
}

/** One uplink's or SERVICE callback's health (0022; modules/health). */
export interface HealthSampleTable {
  tenant_id: string;
  device_id: string;
  /** The sample's time: the device time, else the receive time. */
  at: Millis;
  /** The message id, or `svc_…` for a SERVICE callback. */
  id: string;
  /** `uplink` or `service`. */
  source: string;
  /** 1 for a live uplink (counted towards the crazy threshold). */
  live: number;
  received_at: Millis;
  rssi: number | null;
  snr: number | null;
  stations: number | null;
  battery: number | null;
  temperature: number | null;
  reboots: number | null;
  shock: number | null;
}

/** A device type's health settings (0022). */
export interface DeviceTypeHealthTable {
  tenant_id: string;
  type_id: string;
  /** JSON: metric → dotted path in the decoded data. */
  fields: string;
  battery_empty: number | null;
  crazy_uplinks: number | null;
  crazy_window_s: number | null;
  quiet_s: number | null;
  updated_at: Millis;
}

/** A person who signs in to the console (0027; modules/users). */
export interface UserTable {
  tenant_id: string;
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  scope: string;
  is_system: number;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: Millis | null;
  recovery_codes: string | null;
  disabled_at: Millis | null;
  password_changed_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

/** A console session, by the SHA-256 of its cookie secret (0027). */
export interface UserSessionTable {
  id: string;
  token_hash: string;
  tenant_id: string;
  user_id: string;
  address: string | null;
  user_agent: string | null;
  created_at: Millis;
  last_seen_at: Millis;
  idle_until: Millis;
  expires_at: Millis;
  ended_at: Millis | null;
}

/** A single-use token of a user (a password reset), hashed (0027). */
export interface UserTokenTable {
  id: string;
  token_hash: string;
  purpose: string;
  tenant_id: string;
  user_id: string;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
}

/** Failed logins of one account or address and the lock they led to (0027). */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: Millis;
  locked_until: Millis;
}
