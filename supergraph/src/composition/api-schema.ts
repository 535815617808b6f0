/**
 * The client-facing API schema of a supergraph: what the gateway serves once the join/link
 * machinery and `@inaccessible` elements are removed. Derived as `@apollo/gateway` derives it
 * (`Supergraph.build(sdl).apiSchema()`, with the router's supported features), so operations validated here are the operations the
 * gateway accepts.
 */
import {
  defaultPrintOptions,
  errorCauses,
  printSchema,
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
} from '@apollo/federation-internals';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** The supergraph SDL cannot be loaded; the message lists the causes. */
export class InvalidSupergraphError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidSupergraphError';
  }
}

/**
 * The API schema of a supergraph SDL as a graphql-js schema.
 *
 * @throws {InvalidSupergraphError} when the SDL is not a valid supergraph.
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  try {
    // The supergraph links the authorization features (`for: SECURITY`); our gateway enforces
    // them as Apollo Router does, so they are supported here as the router supports them.
    const apiSchema = Supergraph.build(supergraphSdl, {
      supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
    }).apiSchema();
    // Rebuilt from its SDL with this module's graphql rather than with `toGraphQLJSSchema()`:
    // federation-internals is CommonJS, and where this module gets graphql's ES build (vitest),
    // a schema from the other build fails graphql-js's instanceof checks in `validate`.
    return buildSchema(printSchema(apiSchema, { ...defaultPrintOptions, mergeTypesAndExtensions: true }));
  } catch (error) {
    const causes = error instanceof Error ? (errorCauses(error) ?? [error]) : [new Error(String(error))];
    throw new InvalidSupergraphError(causes.map((cause) => cause.message).join('; '), { cause: error });
  }
}
