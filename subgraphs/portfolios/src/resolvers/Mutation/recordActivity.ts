/**
 * `Mutation.recordActivity`: a BUY, SELL, DIVIDEND, FEE, INTEREST or SPLIT in one of the
 * caller's portfolios. The portfolio row is locked for the change, so two sales at once are
 * checked one after the other against the holdings, and an idempotency key is checked and
 * claimed without a race.
 */
import { conflict, Decimal, InputProblems, Money, notFound, requireUserId } from '@platform/service-kit';
import { requestContextOf } from '@platform/service-kit/events';
import type { MutationResolvers } from '../../__generated__/resolvers-types.js';
import { isUuid } from '../../context.js';
import { findOversale, type LedgerActivity } from '../../domain/ledger.js';
import { eventAboutPortfolio, portfolioSnapshot } from '../../domain/portfolio-events.js';
import { nameProblem, normaliseSymbol, parsePrice, parseQuantity, symbolProblem } from '../../domain/validation.js';
import type { Activity } from '../../stores/activity-store.js';

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export const recordActivity: MutationResolvers['recordActivity'] = async (_parent, { input }, context) => {
  const ownerId = requireUserId(context);
  const symbol = normaliseSymbol(input.symbol);
  const name = input.name?.trim() || null;
  const problems = new InputProblems('input');
  problems.add('symbol', symbolProblem(symbol));
  if (name !== null) problems.add('name', nameProblem(name));
  const quantity = parseQuantity(input.quantity);
  problems.add('quantity', quantity.problem);
  const unitPrice = parsePrice(input.unitPrice.amount);
  problems.add('unitPrice.amount', unitPrice.problem);
  const fee = Money.fromInput(input.fee);
  problems.add('fee.amount', fee.problems?.amount);
  problems.add('fee.currencyCode', fee.problems?.currencyCode);
  if (input.unitPrice.currencyCode !== input.fee.currencyCode)
    problems.add('fee.currencyCode', `must be the unit price's currency (${input.unitPrice.currencyCode})`);
  if (input.type === 'SPLIT') {
    if (unitPrice.value && !unitPrice.value.isZero()) problems.add('unitPrice.amount', 'must be 0 for a SPLIT');
    if (fee.money && !fee.money.isZero()) problems.add('fee.amount', 'must be 0 for a SPLIT');
  }
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH))
    problems.add('idempotencyKey', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  problems.throwIfAny();
  if (!quantity.value || !unitPrice.value || !fee.money) throw new Error('validated input lost its values');
  if (!isUuid(input.portfolioId)) throw notFound('No portfolio of yours has this id');

  const candidate: LedgerActivity = {
    type: input.type,
    symbol,
    quantity: quantity.value,
    unitPrice: unitPrice.value,
    fee: fee.money.amount,
    occurredOn: input.occurredOn,
  };

  const activity = await context.inTransaction(async ({ portfolios, activities, instruments, outbox }) => {
    const portfolio = await portfolios.lockOwned(input.portfolioId, ownerId);
    if (!portfolio) throw notFound('No portfolio of yours has this id');
    const currencyCode = input.unitPrice.currencyCode;
    if (currencyCode !== portfolio.baseCurrencyCode) {
      problems.add(
        'unitPrice.currencyCode',
        `this portfolio is kept in ${portfolio.baseCurrencyCode}: record its activities in ${portfolio.baseCurrencyCode}`,
      );
      problems.throwIfAny();
    }

    if (idempotencyKey !== null) {
      const earlier = await activities.findByIdempotencyKey(portfolio.id, idempotencyKey);
      if (earlier) {
        if (!sameActivity(earlier, candidate)) {
          throw conflict('This idempotency key was already used for a different activity of this portfolio');
        }
        return earlier;
      }
    }

    const known = await instruments.find(ownerId, symbol);
    if (known?.assetType && known.assetType !== input.assetType)
      problems.add('assetType', `${symbol} is recorded as ${known.assetType}`);
    if (known && known.currencyCode !== currencyCode)
      problems.add('unitPrice.currencyCode', `${symbol} is priced in ${known.currencyCode}`);
    problems.throwIfAny();

    const existing = await activities.listByPortfolio(portfolio.id);
    // A new activity applies after every earlier-recorded one of its day.
    const position = existing.findIndex((activity) => activity.occurredOn > candidate.occurredOn);
    const at = position === -1 ? existing.length : position;
    const ledger: LedgerActivity[] = [...existing.slice(0, at), candidate, ...existing.slice(at)];
    const oversale = findOversale(ledger);
    if (oversale) {
      problems.add(
        'quantity',
        oversale.index === at
          ? `only ${oversale.held.toFixed()} ${symbol} held on ${oversale.occurredOn}: cannot sell ${oversale.selling.toFixed()}`
          : `the sale of ${oversale.selling.toFixed()} ${symbol} on ${oversale.occurredOn} would then sell more than the ${oversale.held.toFixed()} held`,
      );
      problems.throwIfAny();
    }

    await instruments.define({ ownerId, symbol, name, assetType: input.assetType, currencyCode });
    const recorded = await activities.insert({
      portfolioId: portfolio.id,
      ...candidate,
      currencyCode,
      idempotencyKey,
    });
    const updated = await portfolios.touch(portfolio.id);
    const requestContext = requestContextOf(context);
    await outbox.enqueue(
      eventAboutPortfolio('platform.portfolios.portfolio.updated.v1', portfolio.id, {
        actorId: ownerId,
        context: requestContext,
        change: 'activity_recorded',
        portfolio: portfolioSnapshot(updated),
        activityId: recorded.id,
      }),
    );
    if (candidate.type === 'BUY') {
      await outbox.enqueue(
        eventAboutPortfolio('platform.portfolios.investment.added.v1', portfolio.id, {
          actorId: ownerId,
          context: requestContext,
          portfolioId: portfolio.id,
          ownerId,
          activityId: recorded.id,
          symbol,
          assetType: input.assetType,
          quantity: candidate.quantity.toFixed(),
          cost: Money.of(candidate.quantity.times(candidate.unitPrice).plus(candidate.fee), currencyCode).toJSON(),
          occurredOn: candidate.occurredOn,
          newHolding: heldBefore(ledger, at).isZero(),
        }),
      );
    }
    return recorded;
  });
  return { activity };
};

/** A retry carries the same activity; anything else under the same key is a client mistake. */
function sameActivity(earlier: Activity, candidate: LedgerActivity): boolean {
  return (
    earlier.type === candidate.type &&
    earlier.symbol === candidate.symbol &&
    earlier.quantity.equals(candidate.quantity) &&
    earlier.unitPrice.equals(candidate.unitPrice) &&
    earlier.fee.equals(candidate.fee) &&
    earlier.occurredOn === candidate.occurredOn
  );
}

/** The quantity of the symbol of `ledger[at]` held just before it. */
function heldBefore(ledger: readonly LedgerActivity[], at: number): Decimal {
  const symbol = ledger[at]!.symbol;
  let held = new Decimal(0);
  for (const activity of ledger.slice(0, at)) {
    if (activity.symbol !== symbol) continue;
    if (activity.type === 'BUY') held = held.plus(activity.quantity);
    else if (activity.type === 'SELL') held = held.minus(activity.quantity);
    else if (activity.type === 'SPLIT') held = held.times(activity.quantity);
  }
  return held;
}
