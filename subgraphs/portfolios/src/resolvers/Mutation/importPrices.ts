/**
 * `Mutation.importPrices`: many prices from CSV text (`symbol,date,close,currency`), all or
 * nothing: every wrong line is reported with its number and nothing is imported.
 */
import { badUserInput, requireUserId } from '@platform/service-kit';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { checkPrice, recordPrices, type CheckedPrice } from '../../domain/price-recording.js';

const HEADER = ['symbol', 'date', 'close', 'currency'];
const MAX_LINES = 50_000;
/** More errors than this say nothing more to a person fixing a file. */
const MAX_ERRORS = 100;

export const importPrices: MutationResolvers['importPrices'] = async (_parent, { input }, context) => {
  const ownerId = requireUserId(context);
  const lines = input.csv.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length > MAX_LINES + 1) throw badUserInput({ 'input.csv': `has more than ${MAX_LINES} prices` });
  const header = (lines[0] ?? '').split(',').map((cell) => cell.trim().toLowerCase());
  if (header.join(',') !== HEADER.join(','))
    throw badUserInput({ 'input.csv': `must start with the header line ${HEADER.join(',')}` });

  const errors: { line: number; message: string }[] = [];
  const prices: CheckedPrice[] = [];
  const lineOf: number[] = [];
  for (let index = 1; index < lines.length; index += 1) {
    const text = lines[index]!;
    if (text.trim() === '') continue;
    const cells = text.split(',').map((cell) => cell.trim());
    if (cells.length !== HEADER.length) {
      errors.push({ line: index + 1, message: `has ${cells.length} fields; expected ${HEADER.length}` });
      continue;
    }
    const [symbol, date, close, currencyCode] = cells as [string, string, string, string];
    const checked = checkPrice({ symbol, date, close, currencyCode });
    if (checked.problems) {
      const message = Object.entries(checked.problems)
        .map(
          ([field, problem]) =>
            `${field === 'close.amount' ? 'close' : field === 'close.currencyCode' ? 'currency' : field} ${problem}`,
        )
        .join('; ');
      errors.push({ line: index + 1, message });
    } else {
      prices.push(checked.price);
      lineOf.push(index + 1);
    }
  }
  if (errors.length > 0) return { imported: 0, errors: errors.slice(0, MAX_ERRORS) };

  const mismatches = await context.inTransaction((stores) => recordPrices(stores, ownerId, prices));
  if (mismatches.size > 0) {
    const reported = [...mismatches].map(([index, message]) => ({
      line: lineOf[index]!,
      message: `currency: ${message}`,
    }));
    return { imported: 0, errors: reported.slice(0, MAX_ERRORS) };
  }
  return { imported: prices.length, errors: [] };
};
