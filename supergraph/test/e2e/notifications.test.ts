/**
 * Notifications end to end: every service in process behind the real gateway, mail going to a
 * real SMTP server (the devkit catcher on a free port). Registering mails a verification link
 * that verifies the address; a redelivered registration sends nothing; the in-app list, the
 * unread count, marking read and preferences through the contract operations; and
 * notificationAdded over the gateway's graphql-ws reaches its own user only.
 */
import { createDatabase, sqlOn } from '@platform/service-kit';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '@platform/devkit/mail';
import { eventually } from '@platform/devkit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
let catcher: MailCatcher;
const clients: Client[] = [];
beforeAll(async () => {
  catcher = await startMailCatcher();
  platform = await startTestPlatform({
    environment: { notifications: { SMTP_URL: catcher.url, JOBS_POLLING_INTERVAL_SECONDS: '0.5' } },
  });
}, 120_000);
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await platform?.stop();
  await catcher?.stop();
});

const mailTo = (email: string, subject: string) =>
  eventually(
    () => catcher.messagesTo(email).find((mail) => mail.subject === subject),
    `"${subject}" to ${email}`,
    20_000,
  );

const tokenIn = (mail: CaughtMail, page: string) => {
  const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
  if (!link || new URL(link).pathname !== page) throw new Error(`no ${page} link in ${mail.subject}`);
  return new URL(link).searchParams.get('token')!;
};

describe('mail through the platform', () => {
  it('mails the verification link on registration, and the link verifies the address', async () => {
    const user = await registerUser(platform, 'verify');
    const mail = await mailTo(user.email, 'Verify your email address');
    const verified = await platform.graphql(contractOperation('VerifyEmail'), {
      token: tokenIn(mail, '/verify-email'),
    });
    expect(verified.body.data).toEqual({ verifyEmail: { user: { id: user.id, emailVerified: true } } });
    await mailTo(user.email, 'Welcome to the platform');
    // The link went by mail only: no service logged it.
    expect(platform.logLines().filter((line) => line.includes('token='))).toEqual([]);
  });

  it('sends nothing when the same user.registered event is delivered again', async () => {
    const user = await registerUser(platform, 'redelivered');
    await mailTo(user.email, 'Welcome to the platform');
    const identity = createDatabase({
      url: platform.environments.identity!.DATABASE_URL!,
      poolMax: 1,
      applicationName: 'notifications-e2e',
    });
    try {
      const [event] = await sqlOn(identity).rows(
        z.object({ topic: z.string(), key: z.string(), payload: z.record(z.string(), z.unknown()) }),
        `select topic, key, payload from outbox where key = ? and payload->>'type' = 'platform.identity.user.registered.v1'`,
        [user.id],
      );
      await platform.publish([{ topic: event!.topic, key: event!.key, value: JSON.stringify(event!.payload) }]);
    } finally {
      await identity.destroy();
    }
    // A later event of the same user on the same topic and key is read after the redelivery:
    // once its mail is there, the redelivered registration has been handled (and sent nothing).
    const session = await login(platform, user);
    const changed = await platform.graphql(
      contractOperation('ChangePassword'),
      { currentPassword: user.password, newPassword: 'a brand new password 1' },
      { token: session.accessToken },
    );
    expect(changed.body.errors).toBeUndefined();
    await mailTo(user.email, 'Your password was changed');
    expect(
      catcher
        .messagesTo(user.email)
        .map((mail) => mail.subject)
        .filter((subject) => subject !== 'New sign-in to your account')
        .sort(),
    ).toEqual(['Verify your email address', 'Welcome to the platform', 'Your password was changed']);
  });
});

describe('in-app notifications through the gateway', () => {
  type MyNotifications = {
    me: {
      id: string;
      unreadNotificationCount: number;
      notifications: { edges: { node: { id: string; kind: string; title: string; readAt: string | null } }[] };
    };
  };

  it('lists them with the unread count, marks them read, and takes preferences', async () => {
    const user = await registerUser(platform, 'inapp');
    const session = await login(platform, user);
    const mine = await eventually(
      async () => {
        const response = await platform.graphql<MyNotifications>(
          contractOperation('MyNotifications'),
          { first: 10 },
          { token: session.accessToken },
        );
        const me = response.body.data?.me;
        return me && me.unreadNotificationCount === 2 && me;
      },
      'the welcome and the new sign-in',
      20_000,
    );
    expect(mine.notifications.edges.map((edge) => edge.node.kind)).toEqual(['new_sign_in', 'welcome']);

    const marked = await platform.graphql(
      contractOperation('MarkNotificationsRead'),
      { ids: [mine.notifications.edges[1]!.node.id] },
      { token: session.accessToken },
    );
    expect(marked.body.data).toEqual({ markNotificationsRead: { unreadCount: 1 } });

    const preference = await platform.graphql(
      contractOperation('UpdateNotificationPreference'),
      { kind: 'booking_confirmed', email: false, inApp: true },
      { token: session.accessToken },
    );
    expect(preference.body.data).toEqual({
      updateNotificationPreference: { preference: { kind: 'booking_confirmed', email: false, inApp: true } },
    });
    const unknown = await platform.graphql(
      contractOperation('UpdateNotificationPreference'),
      { kind: 'newsletter', email: false, inApp: false },
      { token: session.accessToken },
    );
    expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(unknown.body.errors)).toContain('booking_confirmed');
    const anonymous = await platform.graphql(contractOperation('MyNotifications'), { first: 1 });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });

  it('delivers notificationAdded live to its own user only', async () => {
    const alice = await registerUser(platform, 'alice');
    const bob = await registerUser(platform, 'bob');
    const aliceSession = await login(platform, alice);
    const bobSession = await login(platform, bob);
    const received: Record<string, unknown[]> = { alice: [], bob: [] };
    const open = (name: 'alice' | 'bob', token: string) => {
      const client = createClient({
        url: platform.gatewayUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
      clients.push(client);
      client.subscribe(
        { query: contractOperation('NotificationAdded') },
        {
          next: (value) => received[name]!.push(value),
          error: (error) => received[name]!.push({ error }),
          complete: () => {},
        },
      );
      return new Promise<void>((resolve) => client.on('connected', () => resolve()));
    };
    await open('alice', aliceSession.accessToken);
    await open('bob', bobSession.accessToken);
    // Let the subscriptions reach notifications before the event that should wake one of them.
    await new Promise((resolve) => setTimeout(resolve, 300));

    await login(platform, alice);
    const [first] = await eventually(
      () => received.alice!.length > 0 && received.alice,
      "alice's notification",
      20_000,
    );
    expect(first).toMatchObject({
      data: { notificationAdded: { kind: 'new_sign_in', title: 'New sign-in to your account' } },
    });
    // Bob signed in before subscribing; alice's sign-in is not his.
    expect(received.bob).toEqual([]);
  });
});
