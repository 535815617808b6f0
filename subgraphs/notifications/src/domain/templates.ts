/**
 * One template per kind: a subject (also the in-app title), plain-text paragraphs (the in-app
 * body and the text part) and the HTML part, every value escaped. Links are only ever in mail.
 */
import type { NotificationKind } from './kinds.js';

export interface Message {
  subject: string;
  text: string;
  html: string;
}

interface Amount {
  amount: string;
  currencyCode: string;
}

/** What each kind's template needs, beyond the recipient's name. */
export interface TemplateData {
  welcome: Record<string, never>;
  email_verification: { link: string };
  password_reset: { link: string };
  password_changed: { otherSessionsRevoked: boolean };
  new_sign_in: { at: string; ip: string | null; userAgent: string | null };
  booking_confirmed: { bookingId: string; quantity: number; total: Amount };
  booking_cancelled: { bookingId: string; quantity: number };
  booking_refunded: { bookingId: string; amount: Amount };
  waitlist_offer: { quantity: number; offerExpiresAt: string; timeZone: string };
  event_cancelled: { bookingId: string };
  budget_threshold_crossed: { thresholdPercent: number; spent: Amount; limit: Amount; periodEnd: string };
  budget_exceeded: { spent: Amount; limit: Amount; periodEnd: string };
  blog_post_published: { title: string; slug: string };
}

interface Draft {
  subject: string;
  /** Paragraphs, plain text. */
  paragraphs: string[];
  /** A call to action, in mail only. */
  link?: { label: string; url: string };
}

const money = (value: Amount) => `${value.amount} ${value.currencyCode}`;

/** An instant as the user reads it: in their time zone, with the zone named. */
function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

const DRAFTS: { [K in NotificationKind]: (data: TemplateData[K]) => Draft } = {
  welcome: () => ({ subject: 'Welcome to the platform', paragraphs: ['Your account is ready.'] }),
  email_verification: ({ link }) => ({
    subject: 'Verify your email address',
    paragraphs: ['Confirm this address to finish setting up your account. The link works once, for 24 hours.'],
    link: { label: 'Verify my email', url: link },
  }),
  password_reset: ({ link }) => ({
    subject: 'Reset your password',
    paragraphs: [
      'Someone asked to reset the password of your account. If it was you, choose a new one; the link works once, for an hour.',
      'If it was not you, ignore this message: your password stays as it is.',
    ],
    link: { label: 'Choose a new password', url: link },
  }),
  password_changed: ({ otherSessionsRevoked }) => ({
    subject: 'Your password was changed',
    paragraphs: [
      otherSessionsRevoked
        ? 'Your password was changed and your other sessions were signed out.'
        : 'Your password was changed.',
      'If you did not do this, reset your password now.',
    ],
  }),
  new_sign_in: ({ at, ip, userAgent }) => ({
    subject: 'New sign-in to your account',
    paragraphs: [
      `Your account was signed in to at ${at} (UTC)${ip ? ` from ${ip}` : ''}${userAgent ? ` with ${userAgent}` : ''}.`,
      'If this was not you, change your password.',
    ],
  }),
  booking_confirmed: ({ bookingId, quantity, total }) => ({
    subject: 'Your booking is confirmed',
    paragraphs: [`Booking ${bookingId}: ${quantity} ticket(s), ${money(total)} paid.`],
  }),
  booking_cancelled: ({ bookingId, quantity }) => ({
    subject: 'Your booking was cancelled',
    paragraphs: [`Booking ${bookingId} (${quantity} ticket(s)) was cancelled.`],
  }),
  booking_refunded: ({ bookingId, amount }) => ({
    subject: 'Your refund is on its way',
    paragraphs: [`${money(amount)} was refunded for booking ${bookingId}.`],
  }),
  waitlist_offer: ({ quantity, offerExpiresAt, timeZone }) => ({
    subject: 'Tickets are available for you',
    paragraphs: [
      `${quantity} ticket(s) you waited for are held for you until ${localTime(offerExpiresAt, timeZone)}. Complete the booking before then.`,
    ],
  }),
  event_cancelled: ({ bookingId }) => ({
    subject: 'An event you booked was cancelled',
    paragraphs: [`The event of booking ${bookingId} was cancelled by its organizer; your booking is cancelled.`],
  }),
  budget_threshold_crossed: ({ thresholdPercent, spent, limit, periodEnd }) => ({
    subject: `You have used ${thresholdPercent}% of a budget`,
    paragraphs: [`You have spent ${money(spent)} of ${money(limit)} in the period ending ${periodEnd}.`],
  }),
  budget_exceeded: ({ spent, limit, periodEnd }) => ({
    subject: 'A budget is exceeded',
    paragraphs: [
      `You have spent ${money(spent)}, over the limit of ${money(limit)}, in the period ending ${periodEnd}.`,
    ],
  }),
  blog_post_published: ({ title, slug }) => ({
    subject: 'Your post is published',
    paragraphs: [`"${title}" is live at /blog/${slug}.`],
  }),
};

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The message of `kind` for a recipient called `name`. */
export function render<K extends NotificationKind>(kind: K, name: string, data: TemplateData[K]): Message {
  const draft = DRAFTS[kind](data);
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const text = [greeting, ...draft.paragraphs, ...(draft.link ? [`${draft.link.label}: ${draft.link.url}`] : [])].join(
    '\n\n',
  );
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    ...draft.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(draft.link ? [`<p><a href="${escapeHtml(draft.link.url)}">${escapeHtml(draft.link.label)}</a></p>`] : []),
  ].join('\n');
  return { subject: draft.subject, text, html };
}

/** The in-app body: the text without the greeting (and never a link: links are credentials). */
export function inAppBody<K extends NotificationKind>(kind: K, data: TemplateData[K]): string {
  return DRAFTS[kind](data).paragraphs.join('\n\n');
}
