// The shapes the API answers with, from the typed SDK (generated from the server's OpenAPI
// document): the CLI is a client of the API, not of the server's source.

export type {
  ApiKey,
  Configuration,
  ConfigurationMetrics,
  CreatedApiKey,
  CreatedCredential,
  Credential,
  Device,
  DeviceType,
  FleetJob as Job,
  ImportReport,
  JobExecution,
  MetricCounts,
  Page,
  RequestBody,
  ResponseBody,
  Tenant,
  WhoAmI,
} from '@fleetport/sdk';
