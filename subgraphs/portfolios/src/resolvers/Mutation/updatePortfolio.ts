/** `Mutation.updatePortfolio`: the owner renames a portfolio or changes its cost-basis method. */
import { conflict, InputProblems, notFound, requireUserId } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { PortfolioNameTakenError } from '../../stores/portfolio-store.js';
import { isUuid } from '../../context.js';
import { eventAboutPortfolio, portfolioSnapshot } from '../../domain/portfolio-events.js';
import { nameProblem } from '../../domain/validation.js';

export const updatePortfolio: MutationResolvers['updatePortfolio'] = async (_parent, { input }, context) => {
  const ownerId = requireUserId(context);
  const name = input.name?.trim() ?? undefined;
  const problems = new InputProblems('input');
  if (name !== undefined) problems.add('name', nameProblem(name));
  problems.throwIfAny();
  if (!isUuid(input.id)) throw notFound('No portfolio of yours has this id');

  const portfolio = await context
    .inTransaction(async ({ portfolios, outbox }) => {
      const before = await portfolios.lockOwned(input.id, ownerId);
      if (!before) throw notFound('No portfolio of yours has this id');
      const changes = { name, costBasisMethod: input.costBasisMethod ?? undefined };
      const changed =
        (changes.name !== undefined && changes.name !== before.name) ||
        (changes.costBasisMethod !== undefined && changes.costBasisMethod !== before.costBasisMethod);
      // Saving what it already was changes nothing anyone needs to hear about.
      if (!changed) return before;
      const after = await portfolios.update(input.id, changes);
      await outbox.enqueue(
        eventAboutPortfolio('platform.portfolios.portfolio.updated.v1', after.id, {
          actorId: ownerId,
          context: requestContextOf(context),
          change: 'settings_changed',
          portfolio: portfolioSnapshot(after),
          activityId: null,
        }),
      );
      return after;
    })
    .catch((error: unknown) => {
      // Names are unique per owner (case-insensitively).
      if (error instanceof PortfolioNameTakenError)
        throw conflict(`You already have a portfolio named ${error.portfolioName}`);
      throw error;
    });
  context.portfolioById.clear(portfolio.id).prime(portfolio.id, portfolio);
  return { portfolio };
};
