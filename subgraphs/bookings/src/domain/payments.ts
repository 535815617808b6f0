/**
 * The payment-provider port, and the only provider there is today: a development sandbox
 * that behaves like Stripe's test mode and keeps its own ledger (`sandbox_payment_ledger`,
 * shared by every replica as a real provider's books would be).
 *
 * Every charge and refund carries the provider idempotency key the caller derives from the
 * booking: the provider answers a repeated key with the first result and moves no money
 * again, so a retry after a lost answer never charges or refunds twice.
 */
import { randomBytes } from 'node:crypto';
import { Money, sqlOn, type Database, type Logger } from '@platform/service-kit';
import { z } from 'zod';

/** The card was refused: a definitive answer, not worth retrying with the same token. */
export class PaymentDeclinedError extends Error {
  constructor(readonly reason: string) {
    super(`the payment was declined: ${reason}`);
    this.name = 'PaymentDeclinedError';
  }
}

/** The provider failed or did not answer: the outcome is unknown, retry with the same key. */
class PaymentProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

export interface Charge {
  /** The provider's id of the charge. */
  id: string;
  amount: Money;
}

export interface ProviderRefund {
  id: string;
  amount: Money;
}

export interface PaymentProvider {
  /** Its name, stored with each payment. */
  readonly name: string;
  /** Charges `amount` to the card behind `token`; the same `idempotencyKey` returns the first charge. */
  charge(input: { token: string; amount: Money; idempotencyKey: string }): Promise<Charge>;
  /** Refunds a charge in full; the same `idempotencyKey` returns the first refund. */
  refund(input: { chargeId: string; amount: Money; idempotencyKey: string }): Promise<ProviderRefund>;
}

/** The sandbox's test tokens, as Stripe's test mode has its test cards. */
const SANDBOX_TOKENS = {
  succeeds: 'tok_sandbox_visa',
  declined: 'tok_sandbox_declined',
  /** The provider records the charge, then fails to answer the first request for its key. */
  providerError: 'tok_sandbox_provider_error',
} as const;

const ledgerRow = z.object({
  id: z.string(),
  kind: z.enum(['charge', 'refund']),
  outcome: z.enum(['succeeded', 'declined']),
  amount: z.string(),
  currency_code: z.string(),
});

const queries = {
  // Whoever inserts first owns the key; a concurrent duplicate finds the row afterwards.
  record: `insert into sandbox_payment_ledger (id, idempotency_key, kind, outcome, amount, currency_code, charge_id)
    values (?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing
    returning id, kind, outcome, amount, currency_code`,
  byKey: `select id, kind, outcome, amount, currency_code from sandbox_payment_ledger where idempotency_key = ?`,
  charge: `select id, kind, outcome, amount, currency_code from sandbox_payment_ledger where id = ? and kind = 'charge'`,
} as const;

/**
 * The development sandbox. Not a real provider: `createSubgraph` refuses it in production
 * unless `PAYMENTS_SANDBOX_IN_PRODUCTION` says otherwise.
 */
export function createSandboxPaymentProvider(db: Database): PaymentProvider {
  const sql = sqlOn(db);
  // Keys whose first answer was already "lost" (tok_sandbox_provider_error), in this process.
  const failedOnce = new Set<string>();

  async function record(input: {
    prefix: 'ch' | 're';
    idempotencyKey: string;
    kind: 'charge' | 'refund';
    outcome: 'succeeded' | 'declined';
    amount: Money;
    chargeId: string | null;
  }) {
    const id = `${input.prefix}_sandbox_${randomBytes(12).toString('hex')}`;
    const inserted = await sql.first(ledgerRow, queries.record, [
      id,
      input.idempotencyKey,
      input.kind,
      input.outcome,
      input.amount.format(),
      input.amount.currencyCode,
      input.chargeId,
    ]);
    const row = inserted ?? (await sql.first(ledgerRow, queries.byKey, [input.idempotencyKey]));
    if (!row) throw new PaymentProviderError('the sandbox ledger lost a row it had just written');
    const recorded = Money.of(row.amount, row.currency_code);
    // Like Stripe: a key reused for another request is an error, never a second movement of money.
    if (row.kind !== input.kind || !recorded.equals(input.amount)) {
      throw new Error(`sandbox: idempotency key ${input.idempotencyKey} was used for another request`);
    }
    return { id: row.id, outcome: row.outcome, amount: recorded };
  }

  return {
    name: 'sandbox',
    async charge({ token, amount, idempotencyKey }) {
      const declined = token === SANDBOX_TOKENS.declined;
      if (!declined && token !== SANDBOX_TOKENS.succeeds && token !== SANDBOX_TOKENS.providerError) {
        throw new PaymentDeclinedError(`unknown sandbox token (use ${Object.values(SANDBOX_TOKENS).join(', ')})`);
      }
      const charge = await record({
        prefix: 'ch',
        idempotencyKey,
        kind: 'charge',
        outcome: declined ? 'declined' : 'succeeded',
        amount,
        chargeId: null,
      });
      if (token === SANDBOX_TOKENS.providerError && !failedOnce.has(idempotencyKey)) {
        failedOnce.add(idempotencyKey);
        // The money moved, the answer is lost: only a retry under the same key learns the outcome.
        throw new PaymentProviderError('sandbox: the provider did not answer (simulated)');
      }
      if (charge.outcome === 'declined') throw new PaymentDeclinedError('your card was declined');
      return { id: charge.id, amount: charge.amount };
    },
    async refund({ chargeId, amount, idempotencyKey }) {
      const charge = await sql.first(ledgerRow, queries.charge, [chargeId]);
      if (!charge || charge.outcome !== 'succeeded') {
        throw new Error(`sandbox: there is no successful charge ${chargeId} to refund`);
      }
      const refund = await record({
        prefix: 're',
        idempotencyKey,
        kind: 'refund',
        outcome: 'succeeded',
        amount,
        chargeId,
      });
      return { id: refund.id, amount: refund.amount };
    },
  };
}

/**
 * The provider with safe retries: a provider error is retried (a few times, briefly) under
 * the same idempotency key, so the retry can only learn the first outcome, never add one.
 */
export function withRetries(provider: PaymentProvider, logger: Logger, attempts = 3): PaymentProvider {
  async function retry<T>(what: string, key: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof PaymentProviderError) || attempt >= attempts) throw error;
        logger.warn({ err: error, idempotencyKey: key, attempt }, `payment provider error on ${what}: retrying`);
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }
  return {
    name: provider.name,
    charge: (input) => retry('charge', input.idempotencyKey, () => provider.charge(input)),
    refund: (input) => retry('refund', input.idempotencyKey, () => provider.refund(input)),
  };
}
