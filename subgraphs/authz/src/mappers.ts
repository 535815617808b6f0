/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */

/** A role row; `permissions` is loaded per request through a DataLoader. */
export interface RoleModel {
  id: string;
  name: string;
  description: string | null;
  system: boolean;
  createdAt: Date;
}

/** A user as authz knows one: only the id; identity owns everything else. */
export interface UserModel {
  id: string;
  /**
   * Set on the user a mutation just gave or took a role: the caller, who holds
   * `authz.role.assign`, may read the result even without `authz.role.read`.
   */
  changedByCaller?: boolean;
}
