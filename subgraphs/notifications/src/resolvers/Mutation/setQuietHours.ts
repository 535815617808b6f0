/** `Mutation.setQuietHours`: local `HH:MM` times in an explicit IANA zone, or null to clear them. */
import { InputProblems, isTimeZone, notFound, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { isTimeOfDay } from '../../domain/quiet-hours.js';
import { recipients } from '../../stores/index.js';

export const setQuietHours: MutationResolvers['setQuietHours'] = async (_parent, { input }, context) => {
  const userId = requireUserId(context);
  if (input) {
    const problems = new InputProblems();
    if (!isTimeOfDay(input.start)) problems.add('start', 'must be a local time HH:MM');
    if (!isTimeOfDay(input.end)) problems.add('end', 'must be a local time HH:MM');
    if (input.start === input.end) problems.add('end', 'must differ from start');
    if (!isTimeZone(input.timeZone)) problems.add('timeZone', 'must be an IANA time zone, for example Europe/Paris');
    problems.throwIfAny();
  }
  const quiet = input ? { start: input.start, end: input.end, timeZone: input.timeZone } : null;
  if (!(await recipients.setQuietHours(context.db, userId, quiet))) {
    throw notFound('Your account is not known to notifications yet; try again in a moment');
  }
  return { quietHours: quiet };
};
