/**
 * Exact decimal arithmetic for money and ratios: a private `decimal.js` constructor (so no
 * other package's configuration changes ours) with 40 significant digits and banker's
 * rounding (half to even), the rounding accounting uses so that repeated rounding does not drift.
 *
 * The `Decimal` scalar travels as a string of decimal digits (`"12.50"`); a JSON number is
 * refused, because by the time it reaches us it may already be a binary float.
 */
import DecimalJs from 'decimal.js';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = DecimalJs;
/** What the Decimal constructor accepts: a decimal string, a Decimal, or a number that is already exact (an integer). */
export type DecimalValue = DecimalJs.Value;

const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
/** More digits than any amount or quantity of ours needs; bounds the work one input can cause. */
const MAX_DECIMAL_LENGTH = 40;

/** Parses a decimal string (`"12.50"`, `"-0.001"`); null when `text` is not one. */
export function parseDecimal(text: string): Decimal | null {
  return text.length <= MAX_DECIMAL_LENGTH && DECIMAL_TEXT.test(text) ? new Decimal(text) : null;
}

/** The number of digits after the decimal point as written (`"12.50"` → 2): what precision checks need. */
export function decimalPlaces(text: string): number {
  const point = text.indexOf('.');
  return point === -1 ? 0 : text.length - point - 1;
}

function parseInput(value: unknown): string {
  if (typeof value === 'string' && parseDecimal(value)) return value;
  const hint = typeof value === 'number' ? ', not a JSON number (a float loses precision)' : '';
  throw new GraphQLError(`Decimal must be a string of decimal digits such as "12.50"${hint}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * Inside resolvers a `Decimal` input is the string as the client wrote it, so that a precision
 * check can see `"12.500"`; outputs may be a string (already formatted, e.g. money at its
 * currency's minor unit) or a `Decimal` (written in plain notation).
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  serialize(value) {
    if (value instanceof DecimalJs) return value.toFixed();
    if (typeof value === 'string' && parseDecimal(value)) return value;
    throw new GraphQLError('Decimal cannot represent this value');
  },
  parseValue: parseInput,
  parseLiteral(ast) {
    return parseInput(
      ast.kind === Kind.STRING
        ? ast.value
        : ast.kind === Kind.FLOAT || ast.kind === Kind.INT
          ? Number(ast.value)
          : null,
    );
  },
});
