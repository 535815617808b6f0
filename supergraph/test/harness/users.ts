/** Creating users and sessions through the gateway, the way a client app does. */
import { randomBytes } from 'node:crypto';
import { contractOperation } from './operations.js';
import type { TestPlatform } from './platform.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export interface TestSession {
  accessToken: string;
  refreshToken: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}.${randomBytes(5).toString('hex')}@example.test`;
}

export async function registerUser(platform: TestPlatform, label = 'user'): Promise<TestUser> {
  const email = uniqueEmail(label);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const response = await platform.graphql<{ register: { user: { id: string } } }>(contractOperation('Register'), {
    email,
    password,
    name: `Test ${label}`,
  });
  if (!response.body.data?.register) throw new Error(`register failed: ${JSON.stringify(response.body.errors)}`);
  return { id: response.body.data.register.user.id, email, password };
}

export async function login(
  platform: TestPlatform,
  user: { email: string; password: string },
  headers?: Record<string, string>,
): Promise<TestSession> {
  const response = await platform.graphql<{ login: TestSession }>(
    contractOperation('Login'),
    { email: user.email, password: user.password },
    headers ? { headers } : {},
  );
  if (!response.body.data?.login) throw new Error(`login failed: ${JSON.stringify(response.body.errors)}`);
  return response.body.data.login;
}

export function errorCodes(response: { body: { errors?: { extensions?: Record<string, unknown> }[] } }): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
