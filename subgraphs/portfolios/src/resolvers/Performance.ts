/** `Performance`: exact figures as money at the base currency's minor unit; ratios become Float only here. */
import { Money, type Decimal } from '@platform/service-kit';
import type { PerformanceResolvers } from '../__generated__/resolvers-types.js';

const ratio = (value: Decimal | null) => (value === null ? null : value.toNumber());

export const Performance: PerformanceResolvers = {
  startValue: (p) => Money.of(p.startValue, p.currencyCode),
  endValue: (p) => Money.of(p.endValue, p.currencyCode),
  netContributions: (p) => Money.of(p.netContributions, p.currencyCode),
  absoluteGain: (p) => Money.of(p.absoluteGain, p.currencyCode),
  priceGain: (p) => Money.of(p.priceGain, p.currencyCode),
  dividends: (p) => Money.of(p.dividends, p.currencyCode),
  interest: (p) => Money.of(p.interest, p.currencyCode),
  fees: (p) => Money.of(p.fees, p.currencyCode),
  averageInvestment: (p) => (p.averageInvestment === null ? null : Money.of(p.averageInvestment, p.currencyCode)),
  timeWeightedReturn: (p) => ratio(p.timeWeightedReturn),
  timeWeightedPriceReturn: (p) => ratio(p.timeWeightedPriceReturn),
  moneyWeightedReturn: (p) => p.moneyWeightedReturn,
  returnOnAverageInvestment: (p) => ratio(p.returnOnAverageInvestment),
};
