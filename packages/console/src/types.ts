// The API's shapes as the console reads them (see /openapi.json). The typed SDK of issue 24
// will replace these hand-written ones.

export interface WhoAmI {
  readonly keyId: string;
  readonly tenantId: string;
  readonly scope: string;
  readonly system: boolean;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface DeviceType {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly expectedUplinkIntervalSeconds: number | null;
}

export interface Device {
  readonly id: string;
  readonly typeId: string;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deletedAt: string | null;
}

export interface Decoded {
  readonly data: unknown;
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
  readonly codecVersion: number | null;
  readonly decodedAt: string;
}

export interface Reception {
  readonly station: string;
  readonly receivedAt: string;
  readonly rssi: number | null;
  readonly snr: number | null;
}

export interface Message {
  readonly id: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly transport: 'http' | 'sigfox' | 'mqtt';
  readonly receivedAt: string;
  readonly deviceTime: string | null;
  readonly seq: number | null;
  readonly payload: { readonly hex: string; readonly size: number };
  readonly json: unknown;
  readonly timeliness: 'live' | 'late' | 'replayed';
  readonly outOfOrder: boolean;
  readonly receptions?: readonly Reception[];
  readonly decoded?: Decoded | null;
}

export interface DeviceState {
  readonly deviceId: string;
  readonly lastSeenAt: string | null;
  readonly messageCount: number;
  readonly duplicateCount: number;
  readonly outOfOrderCount: number;
  readonly sequence: { readonly max: number | null; readonly resets: number };
}

export interface Change {
  readonly cursor: string;
  readonly kind: string;
  readonly entityId: string;
  readonly at: string;
  readonly data: unknown;
}

/** `data` of a `message.decoded` change. */
export interface DecodedChange {
  readonly messageId: string;
  readonly deviceId: string;
  readonly decoded: Decoded;
}

interface FleetCounts {
  readonly devices: number;
  readonly seen: number;
  readonly silent: number;
  readonly never: number;
}

export interface FleetOverview {
  readonly at: string;
  readonly totals: FleetCounts;
  readonly byType: ReadonlyArray<
    FleetCounts & { readonly typeId: string; readonly name: string; readonly silentAfterSeconds: number }
  >;
  readonly messagesPerMinute: ReadonlyArray<{ readonly minute: string; readonly count: number }>;
}
