/**
 * What resolvers pass around for each GraphQL type, where it differs from the schema
 * type. Codegen turns every `export … <Type>Model` here into a mapper.
 */
import type { Money } from '@platform/service-kit';
import type { HoldingView } from './domain/holdings.js';
import type { Performance } from './domain/performance.js';
import type { Activity } from './stores/activity-store.js';
import type { Price } from './stores/instrument-store.js';
import type { Portfolio } from './stores/portfolio-store.js';

/** Money is the kit's value object; its amount is written at the currency's minor unit. */
export type MoneyModel = Money;
export type PortfolioModel = Portfolio;
export type ActivityModel = Activity;
export type PriceModel = Price;
export type HoldingModel = HoldingView;
/** The figures in exact decimals, with the currency they are in. */
export type PerformanceModel = Performance & { currencyCode: string };
/** Here a user is their id: identity owns users. */
export interface UserModel {
  id: string;
}
