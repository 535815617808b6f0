/**
 * Scalars every subgraph shares, so one input is accepted or refused the same way
 * everywhere. `DateTime`: ISO-8601 strings in UTC on the wire, `Date` objects inside;
 * the description lives in each schema's SDL.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseIso(value: unknown): Date {
  const date = typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO-8601 date and time, for example 2025-01-31T09:30:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize(value) {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue: parseIso,
  parseLiteral(ast) {
    return parseIso(ast.kind === Kind.STRING ? ast.value : null);
  },
});
