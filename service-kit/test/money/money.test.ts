import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import {
  calendarDateIn,
  convert,
  Decimal,
  DecimalScalar,
  DateScalar,
  exchangeRatesFrom,
  isCalendarDate,
  isCurrencyCode,
  isTimeZone,
  minorUnitOf,
  MissingExchangeRateError,
  Money,
  CurrencyMismatchError,
  sumMoney,
} from '../../src/index.js';

describe('Money', () => {
  it('knows each currency’s minor unit from ISO 4217', () => {
    expect(minorUnitOf('JPY')).toBe(0);
    expect(minorUnitOf('EUR')).toBe(2);
    expect(minorUnitOf('BHD')).toBe(3);
    expect(minorUnitOf('CLF')).toBe(4);
    expect(isCurrencyCode('eur')).toBe(false);
    expect(isCurrencyCode('XXX')).toBe(false);
  });

  it('rounds half to even at the currency’s minor unit', () => {
    expect(Money.of('2.345', 'EUR').format()).toBe('2.34');
    expect(Money.of('2.355', 'EUR').format()).toBe('2.36');
    expect(Money.of('1234.5', 'JPY').format()).toBe('1234');
    expect(Money.of('1235.5', 'JPY').format()).toBe('1236');
    expect(Money.of('1.0005', 'BHD').format()).toBe('1.000');
    expect(Money.of('12.5', 'EUR').toJSON()).toEqual({ amount: '12.50', currencyCode: 'EUR' });
  });

  it('sums 0.1 + 0.2 ten thousand times exactly (no float anywhere)', () => {
    const amounts = Array.from({ length: 10_000 }, (_, index) => Money.of(index % 2 === 0 ? '0.1' : '0.2', 'EUR'));
    expect(sumMoney(amounts, 'EUR').format()).toBe('1500.00');
    let total = new Decimal(0);
    for (let index = 0; index < 10_000; index += 1) total = total.plus('0.1').plus('0.2');
    expect(total.toFixed()).toBe('3000');
  });

  it('converts to and from minor units', () => {
    expect(Money.of('12.34', 'EUR').minorUnits).toBe(1234n);
    expect(Money.fromMinorUnits(1234n, 'BHD').format()).toBe('1.234');
    expect(Money.fromMinorUnits('500', 'JPY').format()).toBe('500');
  });

  it('refuses to mix currencies', () => {
    expect(() => Money.of('1', 'EUR').plus(Money.of('1', 'USD'))).toThrow(CurrencyMismatchError);
  });

  it('tells each problem of client input apart and never rounds it silently', () => {
    expect(Money.fromInput({ amount: '12.50', currencyCode: 'EUR' }).money?.format()).toBe('12.50');
    expect(Money.fromInput({ amount: '12.345', currencyCode: 'EUR' }).problems?.amount).toBe(
      'EUR has 2 decimals; "12.345" has more',
    );
    expect(Money.fromInput({ amount: '100.5', currencyCode: 'JPY' }).problems?.amount).toMatch(/JPY has 0 decimals/);
    expect(Money.fromInput({ amount: '1', currencyCode: 'EURO' }).problems?.currencyCode).toMatch(/not an ISO 4217/);
    expect(Money.fromInput({ amount: '-1', currencyCode: 'EUR' }).problems?.amount).toBe('must not be negative');
    expect(Money.fromInput({ amount: '-1', currencyCode: 'EUR' }, { allowNegative: true }).money?.format()).toBe(
      '-1.00',
    );
    expect(Money.fromInput({ amount: '0', currencyCode: 'EUR' }, { allowZero: false }).problems?.amount).toBe(
      'must be more than zero',
    );
  });
});

describe('exchange rates', () => {
  const rates = exchangeRatesFrom([
    { base: 'USD', quote: 'EUR', date: '2026-01-02', rate: new Decimal('0.9') },
    { base: 'USD', quote: 'EUR', date: '2026-01-05', rate: new Decimal('0.95') },
    { base: 'EUR', quote: 'JPY', date: '2026-01-01', rate: new Decimal('160') },
  ]);

  it('uses the latest rate on or before the date, and the inverse pair when only it is known', async () => {
    expect((await convert(Money.of('10', 'USD'), 'EUR', '2026-01-04', rates)).format()).toBe('9.00');
    expect((await convert(Money.of('10', 'USD'), 'EUR', '2026-01-05', rates)).format()).toBe('9.50');
    expect((await convert(Money.of('1600', 'JPY'), 'EUR', '2026-02-01', rates)).format()).toBe('10.00');
  });

  it('reports a missing rate naming the pair and the date, never 1.0', async () => {
    const missing = convert(Money.of('10', 'USD'), 'EUR', '2026-01-01', rates);
    await expect(missing).rejects.toThrow(MissingExchangeRateError);
    await expect(missing).rejects.toThrow('no USD/EUR exchange rate on or before 2026-01-01');
  });
});

describe('scalars', () => {
  it('Decimal accepts decimal strings and refuses JSON numbers', () => {
    expect(DecimalScalar.parseValue('12.50')).toBe('12.50');
    expect(() => DecimalScalar.parseValue(12.5)).toThrow(/not a JSON number/);
    expect(() => DecimalScalar.parseValue('1e5')).toThrow(GraphQLError);
    expect(DecimalScalar.serialize(new Decimal('0.21'))).toBe('0.21');
  });

  it('Date is a calendar day', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(DateScalar.parseValue('2026-11-29')).toBe('2026-11-29');
    expect(() => DateScalar.parseValue('2026-11-29T00:00:00Z')).toThrow(/YYYY-MM-DD/);
  });

  it('time zones are IANA names', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('+02:00')).toBe(false);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(calendarDateIn(new Date('2026-11-29T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-30');
  });
});
