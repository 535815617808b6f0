import { describe, expect, it } from 'vitest';
import {
  createPolicyRegistry,
  DEFAULT_RECENT_AUTHENTICATION_MAX_AGE_SECONDS,
  evaluatePolicies,
  recentAuthentication,
  RECENT_AUTHENTICATION,
  type PolicyContext,
} from '../../src/authorization/policies.js';

const now = new Date('2025-06-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

function context(overrides: Partial<PolicyContext> = {}): PolicyContext {
  return {
    userId: 'user-1',
    sessionId: 'session-1',
    permissions: new Set(),
    authTime: nowSeconds - 60,
    clientIp: '203.0.113.7',
    operationName: 'DeleteUser',
    now,
    ...overrides,
  };
}

describe('recent_authentication', () => {
  const policy = recentAuthentication();

  it('passes a caller who logged in within the last 15 minutes', () => {
    expect(DEFAULT_RECENT_AUTHENTICATION_MAX_AGE_SECONDS).toBe(900);
    expect(policy(context({ authTime: nowSeconds - 60 }))).toBe(true);
    expect(policy(context({ authTime: nowSeconds - 900 }))).toBe(true);
  });

  it('denies a login older than the maximum age', () => {
    expect(policy(context({ authTime: nowSeconds - 901 }))).toBe(false);
  });

  it('denies an anonymous caller, or one whose login time is unknown', () => {
    expect(policy(context({ userId: null }))).toBe(false);
    expect(policy(context({ authTime: null }))).toBe(false);
  });

  it('denies a login time in the future beyond clock skew', () => {
    expect(policy(context({ authTime: nowSeconds + 3 }))).toBe(true);
    expect(policy(context({ authTime: nowSeconds + 60 }))).toBe(false);
  });

  it('takes a configurable maximum age', () => {
    const registry = createPolicyRegistry({ recentAuthenticationMaxAgeSeconds: 30 });
    const configured = registry.get(RECENT_AUTHENTICATION)!;
    expect(configured(context({ authTime: nowSeconds - 20 }))).toBe(true);
    expect(configured(context({ authTime: nowSeconds - 60 }))).toBe(false);
  });
});

describe('evaluatePolicies', () => {
  const registry = createPolicyRegistry({
    policies: {
      is_admin: ({ permissions }) => permissions.has('authz.role.write'),
      from_office: async ({ clientIp }) => clientIp === '203.0.113.7',
      broken: () => {
        throw new Error('policy store unavailable');
      },
    },
  });

  it('returns the policies that passed', async () => {
    const evaluation = await evaluatePolicies(
      ['recent_authentication', 'is_admin', 'from_office'],
      registry,
      context({ permissions: new Set(['authz.role.write']) }),
    );
    expect(evaluation.passed).toEqual(new Set(['recent_authentication', 'is_admin', 'from_office']));
    expect(evaluation.unknown).toEqual([]);
  });

  it('denies a policy it does not know, and names it for the caller to log', async () => {
    const evaluation = await evaluatePolicies(['recent_authentication', 'no_such_policy'], registry, context());
    expect(evaluation.passed).toEqual(new Set(['recent_authentication']));
    expect(evaluation.unknown).toEqual(['no_such_policy']);
  });

  it('denies a policy that throws, and reports the error', async () => {
    const evaluation = await evaluatePolicies(['broken', 'from_office'], registry, context());
    expect(evaluation.passed).toEqual(new Set(['from_office']));
    expect(evaluation.failed).toEqual([{ name: 'broken', error: new Error('policy store unavailable') }]);
  });

  it('denies a policy that answers anything but true', async () => {
    const truthy = createPolicyRegistry({ policies: { sloppy: () => 'yes' as unknown as boolean } });
    expect((await evaluatePolicies(['sloppy'], truthy, context())).passed).toEqual(new Set());
  });

  it('evaluates each named policy once', async () => {
    let calls = 0;
    const counting = createPolicyRegistry({ policies: { counted: () => ++calls > 0 } });
    await evaluatePolicies(['counted', 'counted'], counting, context());
    expect(calls).toBe(1);
  });
});
