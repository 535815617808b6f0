/**
 * Every event portfolios publishes is about one portfolio: keyed by it (one portfolio's
 * events stay in order on the topic `platform.portfolios`) and naming it as the target.
 */
import { createEvent, type CloudEvent, type EventDataByType, type EventType } from '@platform/service-kit/events';
import type { Portfolio } from '../stores/portfolio-store.js';

type PortfolioEventType = Extract<EventType, `platform.portfolios.${string}`>;

export function eventAboutPortfolio<T extends PortfolioEventType>(
  type: T,
  portfolioId: string,
  data: Omit<EventDataByType[T], 'target'>,
): CloudEvent<T> {
  return createEvent({
    type,
    subject: portfolioId,
    data: { target: { type: 'portfolio', id: portfolioId }, ...data } as EventDataByType[T],
  });
}

/** The portfolio as `portfolio.updated` carries it. */
export function portfolioSnapshot(portfolio: Portfolio) {
  return {
    id: portfolio.id,
    ownerId: portfolio.ownerId,
    name: portfolio.name,
    baseCurrencyCode: portfolio.baseCurrencyCode,
    costBasisMethod: portfolio.costBasisMethod,
  };
}
