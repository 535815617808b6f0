/**
 * The `notifications.send-mail` job: sends one claimed delivery. The row is locked while
 * sending and only a `pending` one is sent, so a job delivered twice sends once; a crash
 * between the SMTP answer and the commit can still resend (at least once), with the same
 * Message-ID for the receiving side to recognise.
 */
import type { Database, Logger } from '@platform/service-kit';
import { deliveries } from '../stores/index.js';
import type { Mailer } from './mailer.js';

export async function sendDelivery(
  dependencies: { db: Database; mailer: Mailer; logger: Logger; messageIdDomain: string },
  job: { deliveryId: string; retryCount: number; retryLimit: number },
): Promise<void> {
  const { db, mailer, logger } = dependencies;
  let failure: Error | undefined;
  await db.transaction(async (trx) => {
    const delivery = await deliveries.lock(trx, job.deliveryId);
    if (!delivery || delivery.state !== 'pending' || !delivery.recipient) return;
    try {
      await mailer.send({
        to: delivery.recipient,
        messageId: `<${delivery.id}@${dependencies.messageIdDomain}>`,
        subject: delivery.subject,
        text: delivery.text_body,
        html: delivery.html_body ?? '',
      });
      await deliveries.markSent(trx, delivery.id);
    } catch (error) {
      failure = error as Error;
      const final = job.retryCount >= job.retryLimit;
      await deliveries.markAttemptFailed(trx, delivery.id, failure.message, final);
      logger.warn({ deliveryId: delivery.id, err: failure, final }, 'mail delivery attempt failed');
    }
  });
  // Thrown after the attempt is recorded, so the job is retried (or dead-lettered).
  if (failure) throw failure;
}
