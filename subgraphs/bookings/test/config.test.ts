import { loadSubgraphConfig } from '@platform/service-kit';
import { configProblems, configProblemVariables } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { bookingsSubgraph } from '../src/subgraph.js';

const valid = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://bookings:pw@localhost:5432/platform_bookings',
  GATEWAY_PUBLIC_JWKS: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }),
  INTERNAL_API_CREDENTIALS: `listings:${'a'.repeat(32)}`,
};

describe('bookings configuration', () => {
  it('holds for 15 minutes, 10 tickets at most, offers for 12 hours, with the sandbox provider by default', () => {
    expect(loadSubgraphConfig(bookingsSubgraph, valid)).toMatchObject({
      PORT: 4006,
      HOLD_MINUTES: 15,
      MAX_TICKETS_PER_BOOKING: 10,
      WAITLIST_OFFER_HOURS: 12,
      HOLD_SWEEP_INTERVAL_MS: 5000,
      PAYMENT_PROVIDER: 'sandbox',
      PAYMENTS_SANDBOX_IN_PRODUCTION: false,
    });
  });

  it('refuses the sandbox payment provider in production unless explicitly allowed', () => {
    expect(configProblems(bookingsSubgraph, { ...valid, NODE_ENV: 'production' })).toEqual([
      'PAYMENT_PROVIDER: is the sandbox, which takes no real money: refused in production unless PAYMENTS_SANDBOX_IN_PRODUCTION=true',
    ]);
    expect(
      configProblems(bookingsSubgraph, { ...valid, NODE_ENV: 'production', PAYMENTS_SANDBOX_IN_PRODUCTION: 'true' }),
    ).toEqual([]);
  });

  it('reports every bad limit at once', () => {
    expect(
      configProblemVariables(bookingsSubgraph, {
        ...valid,
        HOLD_MINUTES: '0',
        MAX_TICKETS_PER_BOOKING: 'ten',
        WAITLIST_OFFER_HOURS: '-1',
      }),
    ).toEqual(['HOLD_MINUTES', 'MAX_TICKETS_PER_BOOKING', 'WAITLIST_OFFER_HOURS']);
  });

  it('accepts holds shorter than a minute (tests) and names the only caller of its internal API', () => {
    expect(loadSubgraphConfig(bookingsSubgraph, { ...valid, HOLD_MINUTES: '0.2' }).HOLD_MINUTES).toBe(0.2);
    expect(
      configProblemVariables(bookingsSubgraph, { ...valid, INTERNAL_API_CREDENTIALS: `gateway:${'a'.repeat(32)}` }),
    ).toEqual(['INTERNAL_API_CREDENTIALS']);
  });
});
