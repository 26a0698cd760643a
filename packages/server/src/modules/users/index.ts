export { registerUsersRoutes } from './users-routes.js';
export type { LoginResult, Session, User } from './users-schemas.js';
export {
  authenticateSession,
  bootstrapFirstAdmin,
  DEFAULT_USERS_POLICY,
  resetTokenByEmail,
  type UsersDeps,
  type UsersPolicy,
} from './users-service.js';
