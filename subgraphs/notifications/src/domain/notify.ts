/**
 * Turning one source (a domain event, a link identity hands over) into messages: the in-app
 * notification and the mail, each claimed once per (source, channel) before anything is sent,
 * so a redelivered event or a retried call sends nothing new. Mail goes through the durable
 * `notifications.send-mail` job, written in the same transaction, after quiet hours when held.
 */
import type { Knex } from 'knex';
import type { Logger } from '@platform/service-kit';
import { isCritical, type NotificationKind } from './kinds.js';
import { announceNotification } from './live-feed.js';
import { releaseTime } from './quiet-hours.js';
import { inAppBody, render, type TemplateData } from './templates.js';
import { deliveries, notifications, recipients } from '../stores/index.js';

export const SEND_MAIL_QUEUE = 'notifications.send-mail';

/** Enqueues the send job of a claimed mail delivery in `trx`, not before `startAfter`. */
export type MailScheduler = (trx: Knex.Transaction, deliveryId: string, startAfter: Date) => Promise<unknown>;

export interface NotifyInput<K extends NotificationKind> {
  /** What the messages come from, unique per source: `event:<id>`, `link:<token hash>`. */
  sourceKey: string;
  userId: string;
  kind: K;
  data: TemplateData[K];
  /** Links are credentials: such messages are mailed only, never stored in the app. */
  mailOnly?: boolean;
}

export interface NotifyDependencies {
  scheduleMail: MailScheduler;
  logger: Logger;
  now?: () => Date;
}

export async function notify<K extends NotificationKind>(
  trx: Knex.Transaction,
  dependencies: NotifyDependencies,
  input: NotifyInput<K>,
): Promise<void> {
  const found = await recipients.findWithPreference(trx, input.userId, input.kind);
  if (!found) {
    // Users arrive through identity's events; one unknown here was deleted (or never registered).
    dependencies.logger.warn({ userId: input.userId, kind: input.kind }, 'no recipient known for a notification');
    return;
  }
  const { recipient } = found;
  const critical = isCritical(input.kind);
  const chosen = found.preference ?? { email: true, inApp: true };
  const message = render(input.kind, recipient.name, input.data);
  const now = dependencies.now?.() ?? new Date();

  if (!input.mailOnly && (critical || chosen.inApp)) {
    const claimed = await deliveries.claim(trx, {
      sourceKey: input.sourceKey,
      channel: 'in_app',
      userId: input.userId,
      kind: input.kind,
      recipient: null,
      subject: message.subject,
      text: inAppBody(input.kind, input.data),
      html: null,
      state: 'sent',
      sendAfter: now,
    });
    if (claimed) {
      const notification = await notifications.insert(trx, {
        userId: input.userId,
        kind: input.kind,
        title: message.subject,
        body: inAppBody(input.kind, input.data),
      });
      await announceNotification(trx, notification);
    }
  }

  const mailWanted = critical || chosen.email;
  // Critical mail is never held: a reset link must arrive while the user waits for it.
  const sendAfter = critical ? now : releaseTime(recipient.quietHours, now);
  const deliveryId = await deliveries.claim(trx, {
    sourceKey: input.sourceKey,
    channel: 'email',
    userId: input.userId,
    kind: input.kind,
    recipient: recipient.email,
    subject: message.subject,
    text: message.text,
    html: message.html,
    // Recorded even when the preference turns it off: the history says why nothing was sent.
    state: mailWanted ? 'pending' : 'skipped',
    sendAfter,
  });
  if (deliveryId && mailWanted) await dependencies.scheduleMail(trx, deliveryId, sendAfter);
}
