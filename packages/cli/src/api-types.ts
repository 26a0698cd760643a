// The shapes the API answers with, from the typed SDK (generated from the server's OpenAPI
// document): the CLI is a client of the API, not of the server's source.

export type {
  Alert,
  AlertDetail,
  ApiKey,
  Configuration,
  ConfigurationMetrics,
  Contract,
  CreatedApiKey,
  CreatedCredential,
  Credential,
  Device,
  DeviceLifecycle,
  DeviceType,
  FleetJob as Job,
  ImportReport,
  JobExecution,
  LifecycleTransition as Transition,
  MetricCounts,
  Page,
  RequestBody,
  ResponseBody,
  Subscription,
  Tenant,
  WhoAmI,
} from '@fleetport/sdk';
