/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema
 * type. Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { User } from './stores/user-store.js';

/** A `User` parent is the store's user: `emailVerified` is derived from `emailVerifiedAt`. */
export type UserModel = User;
