/** The portfolios subgraph's resolver map: one file per root field, assembled here. */
import { DateScalar, DateTime, DecimalScalar } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { createPortfolio } from './Mutation/createPortfolio.js';
import { importPrices } from './Mutation/importPrices.js';
import { recordActivity } from './Mutation/recordActivity.js';
import { recordPrice } from './Mutation/recordPrice.js';
import { updatePortfolio } from './Mutation/updatePortfolio.js';
import { Performance } from './Performance.js';
import { Portfolio } from './Portfolio.js';
import { portfolio } from './Query/portfolio.js';
import { prices } from './Query/prices.js';
import { User } from './User.js';
import { Activity, Holding, Money, Price } from './values.js';

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  Date: DateScalar,
  DateTime,
  Query: { portfolio, prices },
  Mutation: { createPortfolio, updatePortfolio, recordActivity, recordPrice, importPrices },
  Portfolio,
  Performance,
  Holding,
  Activity,
  Price,
  Money,
  User,
};
