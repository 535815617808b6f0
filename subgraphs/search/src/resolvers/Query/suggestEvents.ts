/** `Query.suggestEvents`: titles of upcoming published events for what is being typed. */
import { InputProblems } from '@platform/service-kit';
import type { QueryResolvers } from '../../__generated__/resolvers-types.js';

export const suggestEvents: QueryResolvers['suggestEvents'] = async (_parent, { prefix, first }, context) => {
  const problems = new InputProblems();
  const size = first ?? 5;
  if (!Number.isInteger(size) || size < 1 || size > 20) problems.add('first', 'must be from 1 to 20');
  if (prefix.length > 100) problems.add('prefix', 'must be at most 100 characters');
  problems.throwIfAny();
  const suggestions = await context.engine.suggest(prefix, size, new Date());
  return suggestions.map((suggestion) => ({ text: suggestion.title, event: { id: suggestion.id } }));
};
