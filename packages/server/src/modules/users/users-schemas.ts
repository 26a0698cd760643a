import { type Static, Type } from 'typebox';

export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@]{1,64}@[^\\s@]{1,189}$',
  description: 'an e-mail address; compared without regard to case',
  examples: ['ada@example.com'],
});

export const UserId = Type.String({ pattern: '^usr_[A-Za-z0-9_-]{1,64}$' });

/** Passwords are checked by the policy (weak_password), not here: the schema only bounds the size. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

const UserScope = Type.Union([Type.Literal('reader'), Type.Literal('operator'), Type.Literal('admin')], {
  description: 'what the user may do in its tenant, as an API key scope (roles replace it later)',
});

export const User = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    email: Type.String(),
    name: Type.String(),
    scope: UserScope,
    system: Type.Boolean({ description: 'the first admin user: may manage tenants like the bootstrap key' }),
    passwordSet: Type.Boolean(),
    totpEnabled: Type.Boolean(),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

export const CreateUserBody = Type.Object(
  {
    email: Email,
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
    ),
    scope: UserScope,
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const ResetToken = Type.Object({
  token: Type.String({ description: 'single use; shown only once' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Password,
    code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'a TOTP code, or a recovery code, when the user has TOTP',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const Session = Type.Object(
  {
    id: Type.String(),
    user: User,
    csrfToken: Type.String({ description: 'send it as X-CSRF-Token with every write of this session' }),
    createdAt: Type.String({ format: 'date-time' }),
    idleExpiresAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Session' },
);
export type Session = Static<typeof Session>;

export const LoginResult = Type.Intersect([
  Session,
  Type.Object({
    secret: Type.String({
      description: 'the session secret, also set as the HTTP-only cookie; for non-browser clients (the CLI)',
    }),
  }),
]);
export type LoginResult = Static<typeof LoginResult>;

export const PasswordResetBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);

export const TotpEnrolment = Type.Object({
  secret: Type.String({ description: 'base32; enter it in an authenticator app, or use the URI' }),
  otpauthUri: Type.String(),
});

export const TotpCodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    description: 'each works once instead of a TOTP code; shown only once',
  }),
});
