import { type Static, Type } from 'typebox';

export const TenantId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'lower-case letters, digits and dashes, 1–63 characters',
  examples: ['acme'],
});

/** Printable text without control characters. */
export const Label = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

export const Tenant = Type.Object(
  {
    id: TenantId,
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Tenant' },
);
export type Tenant = Static<typeof Tenant>;

export const CreateTenantBody = Type.Object(
  { id: Type.Optional(TenantId), name: Label(200) },
  { additionalProperties: false },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

export const ScopeSchema = Type.Union([
  Type.Literal('reader'),
  Type.Literal('operator'),
  Type.Literal('admin'),
]);

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    name: Type.String(),
    scope: ScopeSchema,
    system: Type.Boolean(),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'ApiKey' },
);
export type ApiKey = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Intersect([
  ApiKey,
  Type.Object({ secret: Type.String({ description: 'the key itself; shown only once' }) }),
]);
export type CreatedApiKey = Static<typeof CreatedApiKey>;

export const CreateApiKeyBody = Type.Object(
  {
    name: Label(200),
    scope: ScopeSchema,
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const WhoAmI = Type.Object({
  keyId: Type.String(),
  tenantId: Type.String(),
  scope: ScopeSchema,
  system: Type.Boolean(),
});
