/**
 * Who may read a user's finances: the user themself, or someone holding
 * `expenses.support.read`, whose every read is recorded as an event the audit log keeps
 * (audit consumes every domain topic). Anyone else, admins included, is refused.
 */
import { forbidden, Permission, requireUserId, type Database } from '@platform/service-kit';
import { enqueue, requestContextOf } from '@platform/service-kit/events';
import type { Context } from '../context.js';
import { supportAccessRecorded } from './events.js';

/** Passes when the caller may read `ownerId`'s `field` (a schema coordinate), recording a support read. */
export async function requireFinanceReader(
  context: Pick<Context, 'caller' | 'requestId' | 'client' | 'logger'> & { db: Database },
  ownerId: string,
  field: string,
): Promise<void> {
  const callerId = requireUserId(context);
  if (callerId === ownerId) return;
  if (!context.caller.permissions.includes(Permission.ExpensesSupportRead)) {
    throw forbidden('Only the user themself may read their finances (or finance support, with expenses.support.read)');
  }
  await context.db.transaction((trx) =>
    enqueue(trx, supportAccessRecorded({ userId: callerId, context: requestContextOf(context) }, ownerId, field)),
  );
  context.logger.info({ ownerId, field }, "finance support read another user's data");
}
