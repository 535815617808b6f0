/**
 * The kinds of message notifications sends, and which are critical: a critical kind (security
 * notices, links the user asked for) is sent whatever the preferences say and never held.
 */
export const NOTIFICATION_KINDS = {
  welcome: { critical: false },
  email_verification: { critical: true },
  password_reset: { critical: true },
  password_changed: { critical: true },
  new_sign_in: { critical: true },
  booking_confirmed: { critical: false },
  booking_cancelled: { critical: false },
  booking_refunded: { critical: false },
  waitlist_offer: { critical: false },
  event_cancelled: { critical: false },
  budget_threshold_crossed: { critical: false },
  budget_exceeded: { critical: false },
  blog_post_published: { critical: false },
} as const;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;

export const KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as NotificationKind[];

export function isNotificationKind(value: string): value is NotificationKind {
  return Object.hasOwn(NOTIFICATION_KINDS, value);
}

export function isCritical(kind: NotificationKind): boolean {
  return NOTIFICATION_KINDS[kind].critical;
}
