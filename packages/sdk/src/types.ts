import type { components, paths } from './generated/openapi.js';

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
/** The methods a path has. */
export type MethodOf<P extends keyof paths> = {
  [M in Method]: paths[P][M] extends undefined | never ? never : M;
}[Method];
type Operation<P extends keyof paths, M extends MethodOf<P>> = NonNullable<paths[P][M]>;
type JsonContent<R> = R extends { readonly content: { readonly 'application/json': infer B } } ? B : never;
type Responses<P extends keyof paths, M extends MethodOf<P>> =
  Operation<P, M> extends {
    readonly responses: infer R;
  }
    ? R
    : never;

/** The JSON a route answers with for a status (200 unless given), e.g. `ResponseBody<'/v1/fleet', 'get'>`. */
export type ResponseBody<
  P extends keyof paths,
  M extends MethodOf<P>,
  S extends keyof Responses<P, M> = 200 extends keyof Responses<P, M> ? 200 : keyof Responses<P, M>,
> = JsonContent<Responses<P, M>[S]>;

/** The JSON body a route takes. */
export type RequestBody<P extends keyof paths, M extends MethodOf<P>> =
  Operation<P, M> extends {
    readonly requestBody?: infer B;
  }
    ? JsonContent<NonNullable<B>>
    : never;

/** The shapes the document names (`components.schemas`). */
export type Schemas = components['schemas'];
export type Tenant = Schemas['Tenant'];
export type ApiKey = Schemas['ApiKey'];
export type DeviceType = Schemas['DeviceType'];
export type Device = Schemas['Device'];
export type Credential = Schemas['Credential'];
export type Change = Schemas['Change'];
export type Message = Schemas['Message'];
export type Reception = Schemas['Reception'];
export type CallbackSecret = Schemas['CallbackSecret'];
export type User = Schemas['User'];
export type Session = Schemas['Session'];
/** A console session as opened by login: the only answer that carries its secret. */
export type LoginResult = ResponseBody<'/v1/auth/login', 'post'>;

/** The calling key: its tenant and scope. */
export type WhoAmI = ResponseBody<'/v1/me', 'get'>;
/** An API key as created: the only answer that carries the key itself. */
export type CreatedApiKey = ResponseBody<'/v1/keys', 'post', 201>;
/** A device credential as created: the only answer that carries its secret. */
export type CreatedCredential = ResponseBody<'/v1/devices/{deviceId}/credentials', 'post', 201>;
/** A callback secret as created: the only answer that carries the secret itself. */
export type CreatedCallbackSecret = ResponseBody<
  '/v1/device-types/{deviceTypeId}/callback-secrets',
  'post',
  201
>;
/** The per-row report of `POST /v1/devices/import`. */
export type ImportReport = ResponseBody<'/v1/devices/import', 'post'>;
/** One page of the change feed; `nextCursor` is always present. */
export type ChangePage = ResponseBody<'/v1/changes', 'get'>;
/** A device's latest state: last seen, counters, sequence. */
export type DeviceState = ResponseBody<'/v1/devices/{deviceId}/state', 'get'>;
/** The fleet at a glance. */
export type FleetOverview = ResponseBody<'/v1/fleet', 'get'>;
/** A device's twin: desired and reported documents and each parameter's delivery. */
export type Twin = ResponseBody<'/v1/devices/{deviceId}/twin', 'get'>;
/** A job by id: a fleet job, or a re-decode job (`kind: redecode`). */
export type Job = ResponseBody<'/v1/jobs/{jobId}', 'get'>;
/** A fleet job: one command or twin patch over many devices, with its progress counts. */
export type FleetJob = ResponseBody<'/v1/jobs', 'get'>['items'][number];
/** A re-decode of stored messages with a device type's codec. */
export type RedecodeJob = Extract<Job, { kind: 'redecode' }>;
/** One device's execution of a fleet job. */
export type JobExecution = ResponseBody<'/v1/jobs/{jobId}/devices', 'get'>['items'][number];
/** A fleet configuration: target, priority, desired content, labels, custom metrics, rollout status. */
export type Configuration = ResponseBody<'/v1/configurations/{configurationId}', 'get'>;
/** A configuration's metrics now and their snapshots. */
export type ConfigurationMetrics = ResponseBody<'/v1/configurations/{configurationId}/metrics', 'get'>;
/** One set of a configuration's counts: targeted, applied, pending, failed, overridden, custom. */
export type MetricCounts = ConfigurationMetrics['current'];
/** A device's lifecycle: state, since when, the states it may go to, contract, subscription. */
export type DeviceLifecycle = ResponseBody<'/v1/devices/{deviceId}/lifecycle', 'get'>;
/** One audited lifecycle transition: who or what, why, when. */
export type LifecycleTransition = ResponseBody<
  '/v1/devices/{deviceId}/lifecycle/history',
  'get'
>['items'][number];
/** A network contract with its tokens used and free. */
export type Contract = ResponseBody<'/v1/contracts/{contractId}', 'get'>;
/** A device's service subscription. */
export type Subscription = ResponseBody<'/v1/devices/{deviceId}/subscription', 'get'>;
/** A webhook endpoint (its secret is only in the answers of create and rotate). */
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
/** One delivery of a webhook endpoint. */
export type WebhookDelivery = Schemas['WebhookDelivery'];
/** One try of a webhook delivery: the delivery log. */
export type WebhookAttempt = Schemas['WebhookAttempt'];
/** A notification channel: e-mail addresses, a signed webhook or an MQTT topic. */
export type NotificationChannel = Schemas['NotificationChannel'];
/** A notification recipient with its channels and preferences. */
export type NotificationRecipient = Schemas['NotificationRecipient'];
/** One notification: a message to one channel of a recipient, and where it stands. */
export type Notification = Schemas['Notification'];
/** One message of `POST /v1/ingest`. */
export type IngestMessage = Exclude<RequestBody<'/v1/ingest', 'post'>, { readonly messages: unknown }>;
/** What `POST /v1/ingest` answers for each message. */
export type IngestOutcome = ResponseBody<'/v1/ingest', 'post', 201>;

/** One page of a cursor-paginated list. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}
/** An alert: type, severity, device or fleet scope, state, occurrences (docs/ALERTS.md). */
export type Alert = ResponseBody<'/v1/alerts/{alertId}/acknowledge', 'post'>;
/** An alert with its history of transitions and comments. */
export type AlertDetail = ResponseBody<'/v1/alerts/{alertId}', 'get'>;
