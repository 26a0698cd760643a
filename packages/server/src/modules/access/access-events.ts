/** An API key was revoked: sessions authenticated with it (MQTT connections) must end. */
export interface ApiKeyRevoked {
  readonly tenantId: string;
  readonly keyId: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'api_key.revoked': ApiKeyRevoked;
  }
}
