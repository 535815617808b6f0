/** Checks of client input shared by the mutations: each returns a problem for `InputProblems`, or null. */
import { Decimal, decimalPlaces, isCurrencyCode, parseDecimal } from '@platform/service-kit';

const SYMBOL = /^[A-Z0-9][A-Z0-9._:-]{0,31}$/;
/** Prices (trade prices, closes, NAVs) may be finer than the currency's minor unit, up to this. */
const MAX_PRICE_DECIMALS = 10;
const MAX_QUANTITY_DECIMALS = 18;

/** Symbols are compared upper-cased and trimmed: `acme ` and `ACME` are one instrument. */
export function normaliseSymbol(symbol: string): string {
  return symbol.trim().toUpperCase();
}

export function symbolProblem(symbol: string): string | null {
  return SYMBOL.test(symbol) ? null : 'must be 1 to 32 letters, digits or . - _ : (for example ACME or BTC-USD)';
}

export function nameProblem(name: string): string | null {
  return name.length === 0 ? 'must not be empty' : name.length > 100 ? 'must be at most 100 characters' : null;
}

export function currencyProblem(code: string): string | null {
  return isCurrencyCode(code) ? null : `${code} is not an ISO 4217 currency code`;
}

/** A quantity: more than zero, at most 18 decimals. */
export function parseQuantity(
  text: string,
): { value: Decimal; problem?: undefined } | { value?: undefined; problem: string } {
  const value = parseDecimal(text);
  if (!value) return { problem: 'must be a decimal number such as "10" or "0.5"' };
  if (decimalPlaces(text) > MAX_QUANTITY_DECIMALS)
    return { problem: `has more than ${MAX_QUANTITY_DECIMALS} decimals` };
  if (!value.greaterThan(0)) return { problem: 'must be more than zero' };
  return { value };
}

/** A price per unit: zero or more, at most 10 decimals. */
export function parsePrice(
  text: string,
): { value: Decimal; problem?: undefined } | { value?: undefined; problem: string } {
  const value = parseDecimal(text);
  if (!value) return { problem: 'must be a decimal number such as "101.25"' };
  if (decimalPlaces(text) > MAX_PRICE_DECIMALS) return { problem: `has more than ${MAX_PRICE_DECIMALS} decimals` };
  if (value.isNegative() && !value.isZero()) return { problem: 'must not be negative' };
  return { value: new Decimal(value) };
}
