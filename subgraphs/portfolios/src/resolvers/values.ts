/** Value types: money at its minor unit, decimals in plain notation. */
import { Money as MoneyValue } from '@platform/service-kit';
import type {
  ActivityResolvers,
  HoldingResolvers,
  MoneyResolvers,
  PriceResolvers,
} from '../__generated__/resolvers-types.js';

export const Money: MoneyResolvers = {
  amount: (money) => money.format(),
};

export const Activity: ActivityResolvers = {
  quantity: (activity) => activity.quantity.toFixed(),
  unitPrice: (activity) => activity.unitPrice.toFixed(),
  fee: (activity) => MoneyValue.of(activity.fee, activity.currencyCode),
};

export const Holding: HoldingResolvers = {
  quantity: (holding) => holding.quantity.toFixed(),
};

export const Price: PriceResolvers = {
  close: (price) => price.close.toFixed(),
};
