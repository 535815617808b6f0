/** `Mutation.createPortfolio`: a new portfolio of the signed-in user. */
import { conflict, InputProblems, requireUserId } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { PortfolioNameTakenError } from '../../stores/portfolio-store.js';
import { eventAboutPortfolio, portfolioSnapshot } from '../../domain/portfolio-events.js';
import { currencyProblem, nameProblem } from '../../domain/validation.js';

export const createPortfolio: MutationResolvers['createPortfolio'] = async (_parent, { input }, context) => {
  const ownerId = requireUserId(context);
  const name = input.name.trim();
  const problems = new InputProblems('input');
  problems.add('name', nameProblem(name));
  problems.add('baseCurrencyCode', currencyProblem(input.baseCurrencyCode));
  problems.throwIfAny();

  const portfolio = await context
    .inTransaction(async ({ portfolios, outbox }) => {
      const created = await portfolios.create({
        ownerId,
        name,
        baseCurrencyCode: input.baseCurrencyCode,
        costBasisMethod: input.costBasisMethod ?? 'AVERAGE',
      });
      await outbox.enqueue(
        eventAboutPortfolio('platform.portfolios.portfolio.updated.v1', created.id, {
          actorId: ownerId,
          context: requestContextOf(context),
          change: 'created',
          portfolio: portfolioSnapshot(created),
          activityId: null,
        }),
      );
      return created;
    })
    .catch((error: unknown) => {
      // A retry of the same creation lands here too: the name says which portfolio it made.
      if (error instanceof PortfolioNameTakenError)
        throw conflict(`You already have a portfolio named ${error.portfolioName}`);
      throw error;
    });
  return { portfolio };
};
