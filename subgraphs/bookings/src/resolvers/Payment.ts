/** `Payment` and `Refund`: their amounts as the contract's money (decimal strings). */
import type { PaymentResolvers, RefundResolvers } from '../__generated__/resolvers-types.js';

export const Payment: PaymentResolvers = {
  amount: (payment) => payment.amount.toJSON(),
};

export const Refund: RefundResolvers = {
  amount: (refund) => refund.amount.toJSON(),
};
