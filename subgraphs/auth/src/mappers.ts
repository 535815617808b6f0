/**
 * What resolvers pass around for each GraphQL type (codegen turns `<Type>Model` into a
 * mapper). Fields not here are computed by the type's own resolvers.
 */

/** A user as auth knows one: the id, and the address where a login provides it; identity resolves everything else. */
export interface UserModel {
  id: string;
  email?: string;
}

/** A session row; `current` is computed against the caller's session. */
export interface SessionModel {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}
