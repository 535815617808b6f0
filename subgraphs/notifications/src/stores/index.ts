/**
 * Notifications' SQL: recipients (the local copy of identity's users), preferences, in-app
 * notifications and deliveries. Every function takes the pool or a transaction.
 */
import { randomUUID } from 'node:crypto';
import { sqlOn } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { NotificationModel } from '../mappers.js';
import type { QuietHours } from '../domain/quiet-hours.js';

const recipientRow = z.object({
  user_id: z.string(),
  email: z.string(),
  name: z.string(),
  time_zone: z.string(),
  quiet_start: z.string().nullable(),
  quiet_end: z.string().nullable(),
});

export interface Recipient {
  userId: string;
  email: string;
  name: string;
  quietHours: QuietHours | null;
}

const toRecipient = (row: z.infer<typeof recipientRow>): Recipient => ({
  userId: row.user_id,
  email: row.email,
  name: row.name,
  quietHours:
    row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end, timeZone: row.time_zone } : null,
});

const RECIPIENT_COLUMNS = `r.user_id, r.email, r.name, r.time_zone, to_char(r.quiet_start, 'HH24:MI') as quiet_start,
  to_char(r.quiet_end, 'HH24:MI') as quiet_end`;

const recipientWithPreferenceRow = recipientRow.extend({
  preferred_email: z.boolean().nullable(),
  preferred_in_app: z.boolean().nullable(),
});

const notificationRow = z.object({
  id: z.string(),
  user_id: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  created_at: z.date(),
  read_at: z.date().nullable(),
});

const toNotification = (row: z.infer<typeof notificationRow>): NotificationModel => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind,
  title: row.title,
  body: row.body,
  createdAt: row.created_at,
  readAt: row.read_at,
});

const NOTIFICATION_COLUMNS = 'id, user_id, kind, title, body, created_at, read_at';

export const recipients = {
  async upsert(db: Knex, input: { userId: string; email?: string; name?: string }): Promise<void> {
    await sqlOn(db).execute(
      `insert into recipients (user_id, email, name) values (?, ?, ?)
       on conflict (user_id) do update set
         email = coalesce(?, recipients.email), name = coalesce(?, recipients.name), updated_at = now()`,
      [input.userId, input.email ?? '', input.name ?? '', input.email ?? null, input.name ?? null],
    );
  },
  async remove(db: Knex, userId: string): Promise<void> {
    // A deleted user keeps no address, preference or message here.
    await sqlOn(db).execute('delete from recipients where user_id = ?', [userId]);
    await sqlOn(db).execute('delete from preferences where user_id = ?', [userId]);
    await sqlOn(db).execute('delete from notifications where user_id = ?', [userId]);
  },
  async find(db: Knex, userId: string): Promise<Recipient | undefined> {
    const row = await sqlOn(db).first(
      recipientRow,
      `select ${RECIPIENT_COLUMNS} from recipients as r where r.user_id = ?`,
      [userId],
    );
    return row && toRecipient(row);
  },
  /**
   * The recipient and what they chose for messages of `kind` (null when they never chose), in
   * one query: what each notice reads first.
   */
  async findWithPreference(
    db: Knex,
    userId: string,
    kind: string,
  ): Promise<{ recipient: Recipient; preference: { email: boolean; inApp: boolean } | null } | undefined> {
    const row = await sqlOn(db).first(
      recipientWithPreferenceRow,
      `select ${RECIPIENT_COLUMNS}, p.email as preferred_email, p.in_app as preferred_in_app
         from recipients as r
         left join preferences as p on p.user_id = r.user_id and p.kind = ?
        where r.user_id = ?`,
      [kind, userId],
    );
    if (!row) return undefined;
    return {
      recipient: toRecipient(row),
      preference:
        row.preferred_email === null || row.preferred_in_app === null
          ? null
          : { email: row.preferred_email, inApp: row.preferred_in_app },
    };
  },
  /** Sets quiet hours; false when the user is unknown here (no registration seen). */
  async setQuietHours(db: Knex, userId: string, quiet: QuietHours | null): Promise<boolean> {
    const touched = await sqlOn(db).execute(
      `update recipients set quiet_start = ?::time, quiet_end = ?::time, time_zone = coalesce(?, time_zone), updated_at = now()
        where user_id = ?`,
      [quiet?.start ?? null, quiet?.end ?? null, quiet?.timeZone ?? null, userId],
    );
    return touched > 0;
  },
};

const preferenceRow = z.object({ kind: z.string(), email: z.boolean(), in_app: z.boolean() });

export const preferences = {
  async ofUser(db: Knex, userId: string): Promise<Map<string, { email: boolean; inApp: boolean }>> {
    const rows = await sqlOn(db).rows(preferenceRow, 'select kind, email, in_app from preferences where user_id = ?', [
      userId,
    ]);
    return new Map(rows.map((row) => [row.kind, { email: row.email, inApp: row.in_app }]));
  },
  async set(db: Knex, userId: string, kind: string, value: { email: boolean; inApp: boolean }): Promise<void> {
    await sqlOn(db).execute(
      `insert into preferences (user_id, kind, email, in_app) values (?, ?, ?, ?)
       on conflict (user_id, kind) do update set email = excluded.email, in_app = excluded.in_app`,
      [userId, kind, value.email, value.inApp],
    );
  },
};

export const notifications = {
  async insert(
    db: Knex,
    input: { userId: string; kind: string; title: string; body: string },
  ): Promise<NotificationModel> {
    const row = await sqlOn(db).first(
      notificationRow,
      `insert into notifications (id, user_id, kind, title, body) values (?, ?, ?, ?, ?) returning ${NOTIFICATION_COLUMNS}`,
      [randomUUID(), input.userId, input.kind, input.title, input.body],
    );
    return toNotification(row!);
  },
  async find(db: Knex, id: string): Promise<NotificationModel | undefined> {
    const row = await sqlOn(db).first(
      notificationRow,
      `select ${NOTIFICATION_COLUMNS} from notifications where id = ?`,
      [id],
    );
    return row && toNotification(row);
  },
  /** Newest first, after the (createdAt, id) position `after`; one more than `limit` tells if a next page exists. */
  async page(
    db: Knex,
    userId: string,
    limit: number,
    after: { createdAt: Date; id: string } | null,
  ): Promise<NotificationModel[]> {
    const rows = await sqlOn(db).rows(
      notificationRow,
      `select ${NOTIFICATION_COLUMNS} from notifications
        where user_id = ? and (?::timestamptz is null or (created_at, id) < (?::timestamptz, ?::uuid))
        order by created_at desc, id desc limit ?`,
      [userId, after?.createdAt ?? null, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map(toNotification);
  },
  async unreadCount(db: Knex, userId: string): Promise<number> {
    const row = await sqlOn(db).first(
      z.object({ count: z.coerce.number() }),
      'select count(*) as count from notifications where user_id = ? and read_at is null',
      [userId],
    );
    return row?.count ?? 0;
  },
  async markRead(db: Knex, userId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await sqlOn(db).execute(
      `update notifications set read_at = now() where user_id = ? and read_at is null and id = any(?::uuid[])`,
      [userId, ids],
    );
  },
};

const deliveryRow = z.object({
  id: z.string(),
  user_id: z.string(),
  recipient: z.string().nullable(),
  subject: z.string(),
  text_body: z.string(),
  html_body: z.string().nullable(),
  state: z.enum(['pending', 'sent', 'failed', 'skipped']),
  attempts: z.number(),
});

export type DeliveryRow = z.infer<typeof deliveryRow>;

// A mailed link is a credential: once the mail is sent (or given up), the history keeps the fact, not the link.
const FORGET_LINKS = `text_body = case when kind in ('email_verification', 'password_reset') then '(link not kept)' else text_body end,
  html_body = case when kind in ('email_verification', 'password_reset') then null else html_body end`;

export const deliveries = {
  /**
   * Claims (source, channel): the id of a new row, or null when one exists, which means the
   * source was handled before and nothing must be sent again.
   */
  async claim(
    db: Knex,
    input: {
      sourceKey: string;
      channel: 'email' | 'in_app';
      userId: string;
      kind: string;
      recipient: string | null;
      subject: string;
      text: string;
      html: string | null;
      state: 'pending' | 'sent' | 'skipped';
      sendAfter: Date;
    },
  ): Promise<string | null> {
    const row = await sqlOn(db).first(
      z.object({ id: z.string() }),
      `insert into deliveries (id, source_key, channel, user_id, kind, recipient, subject, text_body, html_body, state, send_after, sent_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, case when ? = 'sent' then now() end)
       on conflict (source_key, channel) do nothing returning id`,
      [
        randomUUID(),
        input.sourceKey,
        input.channel,
        input.userId,
        input.kind,
        input.recipient,
        input.subject,
        input.text,
        input.html,
        input.state,
        input.sendAfter,
        input.state,
      ],
    );
    return row?.id ?? null;
  },
  async exists(db: Knex, sourceKey: string): Promise<boolean> {
    const row = await sqlOn(db).first(
      z.object({ id: z.string() }),
      'select id from deliveries where source_key = ? limit 1',
      [sourceKey],
    );
    return row !== undefined;
  },
  /** The delivery, locked for this transaction (one sender at a time). */
  async lock(trx: Knex.Transaction, id: string): Promise<DeliveryRow | undefined> {
    return sqlOn(trx).first(
      deliveryRow,
      `select id, user_id, recipient, subject, text_body, html_body, state, attempts from deliveries where id = ? for update`,
      [id],
    );
  },
  async markSent(db: Knex, id: string): Promise<void> {
    await sqlOn(db).execute(
      `update deliveries set state = 'sent', sent_at = now(), attempts = attempts + 1, ${FORGET_LINKS} where id = ?`,
      [id],
    );
  },
  /**
   * Deletes settled deliveries (sent, failed, skipped) created more than `retentionDays` ago, in
   * batches so one run never holds a long lock; pending ones stay whatever their age (a held mail is
   * still owed). Returns how many went.
   */
  async prune(db: Knex, retentionDays: number, batchSize = 5000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await sqlOn(db).execute(
        `delete from deliveries where id in (
           select id from deliveries
            where state <> 'pending' and created_at < now() - make_interval(days => ?)
            limit ?
         )`,
        [retentionDays, batchSize],
      );
      deleted += count;
      if (count < batchSize) return deleted;
    }
  },
  async markAttemptFailed(db: Knex, id: string, error: string, final: boolean): Promise<void> {
    await sqlOn(db).execute(
      `update deliveries set attempts = attempts + 1, last_error = ?, state = case when ? then 'failed' else state end
         ${final ? `, ${FORGET_LINKS}` : ''}
        where id = ?`,
      [error.slice(0, 500), final, id],
    );
  },
};
