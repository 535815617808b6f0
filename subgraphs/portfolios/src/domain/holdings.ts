/** The open positions of a ledger as holdings: the figures of `Holding` in the schema, as money. */
import { Money, type Decimal } from '@platform/service-kit';
import type { AssetType, Instrument } from '../stores/instrument-store.js';
import type { Ledger } from './ledger.js';

export interface HoldingView {
  symbol: string;
  name: string | null;
  assetType: AssetType;
  quantity: Decimal;
  averageCost: Money;
  costBasis: Money;
  price: Money;
  priceAsOf: string;
  stale: boolean;
  marketValue: Money;
  unrealizedGain: Money;
  realizedGain: Money;
}

/** Open positions at the ledger's last close, valued on `asOf`, by symbol. */
export function holdingsOf(
  ledger: Ledger,
  instruments: ReadonlyMap<string, Instrument>,
  currencyCode: string,
  asOf: string,
): HoldingView[] {
  const holdings: HoldingView[] = [];
  for (const position of ledger.positions.values()) {
    if (!position.quantity.greaterThan(0)) continue;
    // Units are only ever held after a BUY, whose unit price is a price observation.
    if (!position.lastPrice || !position.lastPriceOn) throw new Error(`${position.symbol} is held without a price`);
    const assetType = instruments.get(position.symbol)?.assetType;
    // Every held symbol had a BUY, which gave it its asset type.
    if (!assetType) throw new Error(`${position.symbol} is held without an asset type`);
    const marketValue = Money.of(position.marketValue, currencyCode);
    const costBasis = Money.of(position.costBasis, currencyCode);
    holdings.push({
      symbol: position.symbol,
      name: instruments.get(position.symbol)?.name ?? null,
      assetType,
      quantity: position.quantity,
      averageCost: Money.of(position.costBasis.dividedBy(position.quantity), currencyCode),
      costBasis,
      price: Money.of(position.lastPrice, currencyCode),
      priceAsOf: position.lastPriceOn,
      stale: position.lastPriceOn < asOf,
      marketValue,
      unrealizedGain: marketValue.minus(costBasis),
      realizedGain: Money.of(position.realizedGain, currencyCode),
    });
  }
  return holdings.sort((a, b) => a.symbol.localeCompare(b.symbol));
}
