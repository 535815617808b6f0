/** Who may read an event's sales: its organizer, or a holder of `analytics.sales.read`. */
import { forbidden, Permission, requireUserId, type BaseContext } from '@platform/service-kit';
import type { EventFacts } from '../stores/figures-store.js';

export function requireSalesReader(context: BaseContext, event: EventFacts): void {
  const userId = requireUserId(context);
  if (userId === event.organizerId) return;
  if (context.caller.permissions.includes(Permission.AnalyticsSalesRead)) return;
  throw forbidden(`Only the event's organizer or a holder of ${Permission.AnalyticsSalesRead} may read its sales`);
}
