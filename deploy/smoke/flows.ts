/**
 * The contract's core flows through the containerized gateway (run by deploy/smoke/run.sh):
 * a new user registers and logs in, the seeded admin logs in, and the audit log, queried through
 * the gateway, shows the registration, which travelled identity's outbox → Kafka → audit.
 * Operations are the contract's own (supergraph/operations/*.graphql). Exits non-zero on failure.
 */
import { randomUUID } from 'node:crypto';
// The module itself, not the testing barrel: that one loads vitest, which only runs under vitest.
import { contractOperation } from '../../devkit/src/testing/operations.js';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const adminEmail = process.env.ADMIN_EMAIL ?? '';
const adminPassword = process.env.ADMIN_PASSWORD ?? '';

interface Response<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function send<T>(operation: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(gateway, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: contractOperation(operation), variables }),
  });
  const body = (await response.json()) as Response<T>;
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`${operation}: HTTP ${response.status} ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

interface LoginData {
  login: { accessToken: string; user: { id: string } };
}
interface AuditLogsData {
  auditLogs: { edges: { node: { action: string; target: { id: string } | null } }[] };
}

const step = (line: string) => process.stdout.write(`[flows] ${line}\n`);

const email = `smoke-${randomUUID()}@example.com`;
const password = 'correct horse battery staple';
const registered = await send<{ register: { user: { id: string } } }>('Register', { email, password, name: 'Smoke' });
const userId = registered.register.user.id;
step(`registered ${email} (${userId})`);

const login = await send<LoginData>('Login', { email, password });
if (login.login.user.id !== userId) throw new Error('login answered for another user');
step('logged in');

const admin = await send<LoginData>('Login', { email: adminEmail, password: adminPassword });
step('admin logged in');

const deadline = Date.now() + 60_000;
for (;;) {
  const logs = await send<AuditLogsData>(
    'AuditLogs',
    { filter: { action: 'identity.user.registered', targetId: userId }, first: 5 },
    admin.login.accessToken,
  );
  if (logs.auditLogs.edges.some((edge) => edge.node.target?.id === userId)) break;
  if (Date.now() > deadline) throw new Error('the registration never reached the audit log');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
step('the audit log shows the registration (identity → Kafka → audit)');
