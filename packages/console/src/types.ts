// The API's shapes as the console reads them: from the typed SDK, generated from the
// server's OpenAPI document. The few below narrow what the document leaves open.

import type { DeviceType, Message } from '@fleetport/sdk';

export type {
  Change,
  CreatedCredential,
  Credential,
  Device,
  DeviceState,
  DeviceType,
  FleetOverview,
  Message,
  Page,
  Reception,
  WhoAmI,
} from '@fleetport/sdk';

/** A message's decoded values, its codec's warnings and errors. */
export type Decoded = NonNullable<Message['decoded']>;

/** `data` of a `message.decoded` change. */
export interface DecodedChange {
  readonly messageId: string;
  readonly deviceId: string;
  readonly decoded: Decoded;
}

export type ParameterStatus = 'pending' | 'sent' | 'applied' | 'failed' | 'superseded';

export interface TwinParameter {
  readonly status: ParameterStatus;
  readonly value: unknown;
  readonly version: number;
  readonly attempts: number;
  readonly setBy: string;
  readonly pendingAt: string;
  readonly sentAt: string | null;
  readonly appliedAt: string | null;
  readonly failedAt: string | null;
  readonly supersededAt: string | null;
  readonly error: string | null;
}

interface PropertyMeta {
  readonly updatedAt: string;
  readonly version: number;
}

export interface Twin {
  readonly deviceId: string;
  readonly desired: Readonly<Record<string, unknown>>;
  readonly desiredVersion: number;
  readonly reported: Readonly<Record<string, unknown>>;
  readonly reportedVersion: number;
  readonly delta: Readonly<Record<string, unknown>>;
  readonly metadata: {
    readonly desired: Readonly<Record<string, PropertyMeta>>;
    readonly reported: Readonly<Record<string, PropertyMeta>>;
  };
  readonly parameters: Readonly<Record<string, TwinParameter>>;
}

export type CommandStatus =
  | 'queued'
  | 'sent'
  | 'delivered'
  | 'acknowledged'
  | 'failed'
  | 'expired'
  | 'cancelled'
  | 'unknown';

export interface CommandTransition {
  readonly status: CommandStatus;
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface Command {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: 'command' | 'method';
  readonly name: string;
  readonly transport: 'mqtt' | 'http' | 'sigfox';
  readonly status: CommandStatus;
  readonly hex: string | null;
  readonly data: unknown;
  readonly priority: number;
  readonly qos: number;
  readonly confirmed: boolean;
  readonly retry: { readonly attempts: number; readonly backoffSeconds: number };
  readonly attempts: number;
  readonly expiresAt: string | null;
  readonly idempotencyKey: string | null;
  readonly twinParameter: string | null;
  readonly result: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly history?: readonly CommandTransition[];
}

export interface ImportReport {
  readonly mode: 'atomic' | 'best-effort';
  readonly committed: boolean;
  readonly received: number;
  readonly created: number;
  readonly failed: number;
  readonly errors: ReadonlyArray<{
    readonly line: number;
    readonly id?: string;
    readonly code: string;
    readonly message: string;
  }>;
  readonly errorsTruncated: boolean;
}

export interface CaptureSettings {
  readonly lateAfterSeconds: number;
  readonly sequenceBits: 8 | 12 | 16 | 32;
  readonly autoCreateDevices: boolean;
  readonly dedupWindowSeconds: number;
}

export interface Codec {
  readonly kind: 'javascript' | 'sigfox';
  readonly source: string;
  readonly version: number;
  readonly updatedAt: string;
}

/** A device type as `GET /v1/device-types/{id}` answers it. */
export interface DeviceTypeDetail extends DeviceType {
  readonly settings: Readonly<Record<string, unknown>>;
  readonly capture: CaptureSettings;
  readonly variables: Readonly<Record<string, string>>;
  readonly codec: Codec | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What `POST /v1/codecs/test` answers for an uplink. */
export interface CodecTestResult {
  readonly data?: unknown;
  readonly bytes?: string | null;
  readonly fPort?: number | null;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
}

export interface CallbackSecret {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly secret?: string;
}

export interface ApiKey {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: 'reader' | 'operator' | 'admin';
  readonly system: boolean;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly createdAt: string;
  readonly secret?: string;
}

export interface MqttPolicy {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly action: 'publish' | 'subscribe' | 'both';
  readonly filter: string;
  readonly principal: 'device' | 'application' | 'anonymous' | null;
  readonly description?: string;
  readonly createdAt: string;
}

export interface MqttClient {
  readonly clientId: string;
  readonly principal: { readonly kind: string; readonly id: string; readonly deviceId: string | null };
  readonly protocolVersion: number;
  readonly listener: string;
  readonly remoteAddress: string | null;
  readonly connectedAt: string;
  readonly keepAlive: number;
  readonly subscriptions: readonly string[];
  readonly inflight: number;
  readonly queued: number;
  readonly paused: boolean;
}
