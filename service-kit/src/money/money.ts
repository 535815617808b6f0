/**
 * Money: an exact amount in one ISO 4217 currency, always at that currency's minor unit.
 * Arithmetic refuses to mix currencies (convert first, with `convert` from exchange-rates);
 * multiplying or dividing rounds half to even back to the minor unit.
 *
 * `Money.fromInput` is the boundary for client input: an unknown currency, or more decimals
 * than the currency has (`"12.345"` EUR), is a problem for `InputProblems`, never rounded silently.
 */
import { Decimal, decimalPlaces, parseDecimal, type DecimalValue } from './decimal.js';
import { isCurrencyCode, minorUnitOf } from './currencies.js';

/** The wire shape of money (the contract's `Money { amount: Decimal!, currencyCode: String! }`). */
export interface MoneyJson {
  amount: string;
  currencyCode: string;
}

export class CurrencyMismatchError extends Error {
  constructor(
    readonly left: string,
    readonly right: string,
  ) {
    super(`cannot combine ${left} with ${right}: convert one of them first`);
    this.name = 'CurrencyMismatchError';
  }
}

export class Money {
  private constructor(
    readonly amount: Decimal,
    readonly currencyCode: string,
  ) {}

  /** `amount` rounded (half to even) to the minor unit of `currencyCode`. */
  static of(amount: DecimalValue, currencyCode: string): Money {
    return new Money(new Decimal(amount).toDecimalPlaces(minorUnitOf(currencyCode)), currencyCode);
  }

  static zero(currencyCode: string): Money {
    return Money.of(0, currencyCode);
  }

  /** From an integer count of minor units (cents, yen, fils), the way some tables store money. */
  static fromMinorUnits(units: bigint | number | string, currencyCode: string): Money {
    return Money.of(
      new Decimal(units.toString()).dividedBy(new Decimal(10).pow(minorUnitOf(currencyCode))),
      currencyCode,
    );
  }

  /**
   * Client input to money, or the reason it is not money: an unknown currency, a malformed
   * amount, more decimals than the currency allows, or (unless `allowNegative`) a negative amount.
   */
  static fromInput(
    input: { amount: string; currencyCode: string },
    options: { allowNegative?: boolean; allowZero?: boolean } = {},
  ):
    | { money: Money; problems?: undefined }
    | { money?: undefined; problems: Record<'amount' | 'currencyCode', string | null> } {
    if (!isCurrencyCode(input.currencyCode)) {
      return { problems: { amount: null, currencyCode: `${input.currencyCode} is not an ISO 4217 currency code` } };
    }
    const amount = parseDecimal(input.amount);
    const digits = minorUnitOf(input.currencyCode);
    const problem = !amount
      ? 'must be a decimal number such as "12.50"'
      : decimalPlaces(input.amount) > digits
        ? `${input.currencyCode} has ${digits} decimal${digits === 1 ? '' : 's'}; "${input.amount}" has more`
        : amount.isNegative() && !amount.isZero() && !options.allowNegative
          ? 'must not be negative'
          : amount.isZero() && options.allowZero === false
            ? 'must be more than zero'
            : null;
    if (problem || !amount) return { problems: { amount: problem, currencyCode: null } };
    return { money: Money.of(amount, input.currencyCode) };
  }

  get minorUnits(): bigint {
    return BigInt(this.amount.times(new Decimal(10).pow(minorUnitOf(this.currencyCode))).toFixed(0));
  }

  plus(other: Money): Money {
    return Money.of(this.amount.plus(this.sameCurrency(other).amount), this.currencyCode);
  }

  minus(other: Money): Money {
    return Money.of(this.amount.minus(this.sameCurrency(other).amount), this.currencyCode);
  }

  times(factor: DecimalValue): Money {
    return Money.of(this.amount.times(factor), this.currencyCode);
  }

  /** `this / other` as an exact-as-possible ratio (40 significant digits); null when `other` is zero. */
  ratioTo(other: Money): Decimal | null {
    const divisor = this.sameCurrency(other).amount;
    return divisor.isZero() ? null : this.amount.dividedBy(divisor);
  }

  compare(other: Money): -1 | 0 | 1 {
    return this.amount.comparedTo(this.sameCurrency(other).amount) as -1 | 0 | 1;
  }

  equals(other: Money): boolean {
    return this.currencyCode === other.currencyCode && this.amount.equals(other.amount);
  }

  isZero(): boolean {
    return this.amount.isZero();
  }

  isNegative(): boolean {
    return this.amount.isNegative() && !this.amount.isZero();
  }

  /** The amount written with exactly the currency's minor unit of decimals (`"12.50"`, `"1000"` JPY). */
  format(): string {
    return this.amount.toFixed(minorUnitOf(this.currencyCode));
  }

  toJSON(): MoneyJson {
    return { amount: this.format(), currencyCode: this.currencyCode };
  }

  toString(): string {
    return `${this.format()} ${this.currencyCode}`;
  }

  private sameCurrency(other: Money): Money {
    if (other.currencyCode !== this.currencyCode)
      throw new CurrencyMismatchError(this.currencyCode, other.currencyCode);
    return other;
  }
}

/** The sum of `amounts`, all in `currencyCode` (zero for none). */
export function sumMoney(amounts: Iterable<Money>, currencyCode: string): Money {
  let total = Money.zero(currencyCode);
  for (const amount of amounts) total = total.plus(amount);
  return total;
}
