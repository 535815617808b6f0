/**
 * The notifications subgraph against a real SMTP server (the devkit catcher on a free port),
 * its own Postgres and pg-boss: events become mail and in-app messages once, preferences and
 * quiet hours decide what goes when, and identity's links arrive by mail only.
 */
import { randomUUID } from 'node:crypto';
import { sha256Hex, sqlOn } from '@platform/service-kit';
import { createEvent, NO_REQUEST } from '@platform/service-kit/events';
import { startMailCatcher, type MailCatcher } from '@platform/devkit/mail';
import {
  configProblems,
  errorCode,
  eventually,
  signedIn,
  startSubgraph,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notificationsSubgraph } from '../src/subgraph.js';

let catcher: MailCatcher;
let notifications: SubgraphHarness<typeof notificationsSubgraph>;
beforeAll(async () => {
  catcher = await startMailCatcher();
  notifications = await startSubgraph(notificationsSubgraph, {
    env: { SMTP_URL: catcher.url, JOBS_POLLING_INTERVAL_SECONDS: '0.5' },
  });
}, 60_000);
afterAll(async () => {
  await notifications?.stop();
  await catcher?.stop();
});

const MY_NOTIFICATIONS = `query ($id: ID!, $first: Int) {
  _entities(representations: [{ __typename: "User", id: $id }]) {
    ... on User { unreadNotificationCount notifications(first: $first) { edges { node { id kind title body readAt } } pageInfo { hasNextPage } } }
  }
}`;
const MARK_READ = `mutation ($ids: [ID!]!) { markNotificationsRead(input: { ids: $ids }) { unreadCount } }`;
const PREFERENCE = `mutation ($kind: String!, $email: Boolean!, $inApp: Boolean!) {
  updateNotificationPreference(input: { kind: $kind, email: $email, inApp: $inApp }) { preference { kind email inApp critical } }
}`;
const QUIET_HOURS = `mutation ($input: SetQuietHoursInput) { setQuietHours(input: $input) { quietHours { start end timeZone } } }`;

const registered = (userId: string, email: string) =>
  createEvent({
    type: 'platform.identity.user.registered.v1',
    subject: userId,
    data: {
      actorId: userId,
      target: { type: 'user', id: userId },
      context: NO_REQUEST,
      userId,
      email,
      name: 'Ada <Lovelace>',
      emailVerified: false,
    },
  });

const budgetExceeded = (userId: string) =>
  createEvent({
    type: 'platform.expenses.budget.exceeded.v1',
    subject: randomUUID(),
    data: {
      actorId: userId,
      target: { type: 'budget', id: randomUUID() },
      context: NO_REQUEST,
      userId,
      budgetId: randomUUID(),
      categoryId: randomUUID(),
      period: 'MONTHLY',
      periodStart: '2026-11-01',
      periodEnd: '2026-11-30',
      limit: { amount: '100.00', currencyCode: 'EUR' },
      spent: { amount: '120.50', currencyCode: 'EUR' },
    },
  });

const passwordChanged = (userId: string) =>
  createEvent({
    type: 'platform.identity.user.password_changed.v1',
    subject: userId,
    data: {
      actorId: userId,
      target: { type: 'user', id: userId },
      context: NO_REQUEST,
      userId,
      otherSessionsRevoked: true,
      keptSessionId: null,
    },
  });

/** A registered user the subgraph knows (its welcome mail received). */
async function newUser(label: string) {
  const userId = randomUUID();
  const email = `${label}-${userId.slice(0, 8)}@example.com`;
  await notifications.publish([registered(userId, email)]);
  await eventually(() => catcher.messagesTo(email).length === 1, `the welcome mail to ${email}`, 15_000);
  return { userId, email };
}

const deliveryStates = (sourceKey: string) =>
  sqlOn(notifications.db).rows(
    z.object({ channel: z.string(), state: z.string() }),
    'select channel, state from deliveries where source_key = ? order by channel',
    [sourceKey],
  );

describe('mail from events', () => {
  it('mails a welcome to a registered user once, escaped in HTML, however often the event is delivered', async () => {
    const userId = randomUUID();
    const email = `welcome-${userId.slice(0, 8)}@example.com`;
    const event = registered(userId, email);
    await notifications.publish([event]);
    const [mail] = await eventually(
      () => {
        const received = catcher.messagesTo(email);
        return received.length > 0 && received;
      },
      'the welcome mail',
      15_000,
    );
    expect(mail?.subject).toBe('Welcome to the platform');
    expect(mail?.text).toContain('Hello Ada <Lovelace>,');
    expect(mail?.html).toContain('Hello Ada &lt;Lovelace&gt;,');

    // The same event again (a redelivery): the consumer and the delivery row both refuse it.
    await notifications.publish([event]);
    const second = registered(userId, email);
    // A different event is processed, and proves the first redeliveries were read before it.
    await notifications.publish([second]);
    await eventually(async () => (await deliveryStates(`event:${second.id}`)).length === 2, 'the second event');
    await eventually(() => catcher.messagesTo(email).length === 2, 'the second welcome', 15_000);
    expect(catcher.messagesTo(email)).toHaveLength(2);
    expect(await deliveryStates(`event:${event.id}`)).toEqual([
      { channel: 'email', state: 'sent' },
      { channel: 'in_app', state: 'sent' },
    ]);
  });

  it('sends no mail of a kind the user turned off, and critical mail whatever the preference', async () => {
    const { userId, email } = await newUser('prefs');
    const caller = signedIn(userId);
    const off = await notifications.graphql(PREFERENCE, { kind: 'budget_exceeded', email: false, inApp: true }, caller);
    expect(off.body.data).toEqual({
      updateNotificationPreference: {
        preference: { kind: 'budget_exceeded', email: false, inApp: true, critical: false },
      },
    });
    await notifications.graphql(PREFERENCE, { kind: 'password_changed', email: false, inApp: false }, caller);

    const budget = budgetExceeded(userId);
    const password = passwordChanged(userId);
    await notifications.publish([budget, password]);
    await eventually(
      () => catcher.messagesTo(email).some((mail) => mail.subject === 'Your password was changed'),
      'the critical mail',
      15_000,
    );
    expect(await deliveryStates(`event:${budget.id}`)).toEqual([
      { channel: 'email', state: 'skipped' },
      { channel: 'in_app', state: 'sent' },
    ]);
    expect(catcher.messagesTo(email).map((mail) => mail.subject)).toEqual([
      'Welcome to the platform',
      'Your password was changed',
    ]);
  });

  it("tells a post's author it is published, whoever published it", async () => {
    const { userId, email } = await newUser('author');
    const postId = randomUUID();
    await notifications.publish([
      createEvent({
        type: 'platform.blog.post.published.v1',
        subject: postId,
        data: {
          actorId: null,
          target: { type: 'post', id: postId },
          context: NO_REQUEST,
          post: {
            id: postId,
            version: 2,
            authorId: userId,
            title: 'Tom & Jerry <3',
            slug: 'tom-and-jerry',
            tags: ['cartoons'],
            status: 'PUBLISHED',
            publishAt: '2026-11-29T20:00:00.000Z',
            publishedAt: '2026-11-29T20:00:01.000Z',
          },
        },
      }),
    ]);
    const mail = await eventually(
      () => catcher.messagesTo(email).find((received) => received.subject === 'Your post is published'),
      'the published mail',
      15_000,
    );
    expect(mail.text).toContain('"Tom & Jerry <3" is live at /blog/tom-and-jerry.');
    expect(mail.html).toContain('Tom &amp; Jerry &lt;3');
  });

  it('refuses an unknown kind, naming the kinds there are', async () => {
    const result = await notifications.graphql(
      PREFERENCE,
      { kind: 'spam', email: true, inApp: true },
      signedIn(randomUUID()),
    );
    expect(errorCode(result.body)).toBe('BAD_USER_INPUT');
    expect(result.body.errors?.[0]?.extensions?.fields?.kind).toContain('budget_exceeded');
  });

  it('holds non-critical mail during quiet hours in the user time zone and sends it when they end', async () => {
    const { userId, email } = await newUser('quiet');
    // A window around now, read in Asia/Kathmandu (UTC+05:45): its end is local, not UTC.
    const zone = 'Asia/Kathmandu';
    const local = (offsetMinutes: number) =>
      new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(
        new Date(Date.now() + offsetMinutes * 60_000),
      );
    const set = await notifications.graphql(
      QUIET_HOURS,
      { input: { start: local(-60), end: local(120), timeZone: zone } },
      signedIn(userId),
    );
    expect(set.body.errors).toBeUndefined();

    const budget = budgetExceeded(userId);
    const password = passwordChanged(userId);
    await notifications.publish([budget, password]);
    // Critical mail is never held.
    await eventually(
      () => catcher.messagesTo(email).some((mail) => mail.subject === 'Your password was changed'),
      'the critical mail',
      15_000,
    );
    const held = await sqlOn(notifications.db).first(
      z.object({ state: z.string(), send_after: z.date() }),
      `select state, send_after from deliveries where source_key = ? and channel = 'email'`,
      [`event:${budget.id}`],
    );
    expect(held?.state).toBe('pending');
    const wait = held!.send_after.getTime() - Date.now();
    expect(wait).toBeGreaterThan(115 * 60_000);
    expect(wait).toBeLessThanOrEqual(120 * 60_000);
    expect(catcher.messagesTo(email).some((mail) => mail.subject === 'A budget is exceeded')).toBe(false);

    // The hours pass (the test moves the held job's start instead of waiting two hours).
    await sqlOn(notifications.db).execute(
      `update pgboss.job set start_after = now() where name = 'notifications.send-mail' and data->>'deliveryId' =
         (select id::text from deliveries where source_key = ? and channel = 'email')`,
      [`event:${budget.id}`],
    );
    const sent = await eventually(
      () => catcher.messagesTo(email).find((mail) => mail.subject === 'A budget is exceeded'),
      'the held mail',
      15_000,
    );
    expect(sent.text).toContain('You have spent 120.50 EUR, over the limit of 100.00 EUR');
  });
});

describe('links identity hands over', () => {
  it('mails a verification link once, never as an in-app message, only for identity', async () => {
    const userId = randomUUID();
    const email = `link-${userId.slice(0, 8)}@example.com`;
    const link = `http://localhost:3000/verify-email?token=${randomUUID()}`;
    const body = { userId, email, name: 'Grace', purpose: 'email_verification', link };
    const first = await notifications.internal('identity', '/internal/mail/link', body);
    const again = await notifications.internal('identity', '/internal/mail/link', body);
    expect([first.status, first.body, again.body]).toEqual([202, { queued: true }, { queued: false }]);
    const mail = await eventually(() => catcher.messagesTo(email)[0], 'the verification mail', 15_000);
    expect(mail.subject).toBe('Verify your email address');
    expect(mail.text).toContain(link);
    // Sent, and mail only: a link is a credential, it is not kept in the app.
    await eventually(async () => (await deliveryStates(`link:${sha256Hex(link)}`))[0]?.state === 'sent', 'sent');
    expect(await deliveryStates(`link:${sha256Hex(link)}`)).toEqual([{ channel: 'email', state: 'sent' }]);
    const anonymous = await notifications.internal(
      'identity',
      '/internal/mail/link',
      { ...body, link: `${link}x` },
      {
        authorization: null,
      },
    );
    expect(anonymous.status).toBe(401);
    expect(notifications.logs().some((line) => line.includes(link))).toBe(false);
    // Sent, the history keeps the fact, not the credential.
    const kept = await sqlOn(notifications.db).rows(
      z.object({ text_body: z.string(), html_body: z.string().nullable() }),
      'select text_body, html_body from deliveries where source_key = ?',
      [`link:${sha256Hex(link)}`],
    );
    expect(kept).toEqual([{ text_body: '(link not kept)', html_body: null }]);
  });
});

describe('in-app notifications', () => {
  it('lists the user own notifications newest first with the unread count, and marks them read', async () => {
    const { userId } = await newUser('inapp');
    const caller = signedIn(userId);
    await notifications.publish([budgetExceeded(userId)]);
    const listed = await eventually(async () => {
      const result = await notifications.graphql<{
        _entities: {
          unreadNotificationCount: number;
          notifications: { edges: { node: { id: string; kind: string } }[] };
        }[];
      }>(MY_NOTIFICATIONS, { id: userId, first: 10 }, caller);
      const user = result.body.data?._entities[0];
      return user && user.unreadNotificationCount === 2 && user;
    }, 'two notifications');
    expect(listed.notifications.edges.map((edge) => edge.node.kind)).toEqual(['budget_exceeded', 'welcome']);

    const onePage = await notifications.graphql(MY_NOTIFICATIONS, { id: userId, first: 1 }, caller);
    expect(onePage.body.data).toMatchObject({ _entities: [{ notifications: { pageInfo: { hasNextPage: true } } }] });

    const someoneElse = await notifications.graphql(MY_NOTIFICATIONS, { id: userId, first: 1 }, signedIn(randomUUID()));
    expect(errorCode(someoneElse.body)).toBe('FORBIDDEN');
    const notMine = await notifications.graphql(
      MARK_READ,
      { ids: [listed.notifications.edges[0]!.node.id] },
      signedIn(randomUUID()),
    );
    expect(notMine.body.data).toEqual({ markNotificationsRead: { unreadCount: 0 } });

    const marked = await notifications.graphql(MARK_READ, { ids: [listed.notifications.edges[0]!.node.id] }, caller);
    expect(marked.body.data).toEqual({ markNotificationsRead: { unreadCount: 1 } });
  });
});

describe('the history', () => {
  const delivery = async (state: string, age: string): Promise<string> => {
    const id = randomUUID();
    await sqlOn(notifications.db).execute(
      `insert into deliveries (id, source_key, channel, user_id, kind, recipient, subject, text_body, state, created_at)
       values (?, ?, 'email', ?, 'welcome', 'old@example.test', 'Welcome', 'Hello', ?, now() - ?::interval)`,
      [id, `event:${id}`, randomUUID(), state, age],
    );
    return id;
  };
  const kept = async (ids: string[]) =>
    (
      await sqlOn(notifications.db).rows(z.object({ id: z.string() }), 'select id from deliveries where id = any(?)', [
        ids,
      ])
    ).map((row) => row.id);

  it('forgets settled deliveries past DELIVERY_RETENTION_DAYS (90 by default) and keeps pending and recent ones', async () => {
    const old = [
      await delivery('sent', '91 days'),
      await delivery('failed', '120 days'),
      await delivery('skipped', '91 days'),
    ];
    const pendingOld = await delivery('pending', '200 days');
    const recent = [await delivery('sent', '89 days'), await delivery('failed', '1 hour')];

    await notifications.subgraph.jobs!.send('notifications.prune-deliveries', {});
    await eventually(async () => (await kept(old)).length === 0, 'the pruning job');
    expect((await kept([pendingOld, ...recent])).sort()).toEqual([pendingOld, ...recent].sort());
  });

  it('refuses a retention shorter than the processed event ids are remembered', () => {
    const environment = {
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://notifications@localhost/platform_notifications',
      GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
      INTERNAL_API_CREDENTIALS: `identity:${'a'.repeat(32)},authz:${'b'.repeat(32)}`,
      PROCESSED_EVENTS_RETENTION_HOURS: '72',
    };
    expect(configProblems(notificationsSubgraph, { ...environment, DELIVERY_RETENTION_DAYS: '2' })).toEqual([
      'DELIVERY_RETENTION_DAYS: must cover PROCESSED_EVENTS_RETENTION_HOURS (72 h): a redelivered event older than the history would be mailed again',
    ]);
    expect(configProblems(notificationsSubgraph, { ...environment, DELIVERY_RETENTION_DAYS: '3' })).toEqual([]);
  });
});
