/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema type.
 * Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { ChainedFields } from './domain/chain.js';

/** An audit_log row, as recorded: every chained field and the row's own hash. */
export interface AuditEventModel extends ChainedFields {
  outcome: 'SUCCESS' | 'FAILURE' | 'DENIED';
  hash: string;
}

/** A user as audit knows one: only the id (identity resolves the rest). */
export interface UserModel {
  id: string;
}
