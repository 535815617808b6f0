/**
 * The gateway's operator metrics beside the kit's (operations, latency, errors, subscriptions):
 * how its caches and rate limits answer. Every series exists from the start at 0, so a
 * dashboard's ratio and an alert's `increase()` see the first refusal or miss.
 */
import { zeroedCounter } from '@platform/service-kit';
import type { Registry } from 'prom-client';
import type { PermissionLookup } from './permissions/effective-permissions.js';
import type { RateLimitPolicyName } from './rate-limits.js';

const RATE_LIMIT_POLICIES: readonly RateLimitPolicyName[] = ['client', 'user', 'expensive-client', 'expensive-user'];
const PERMISSION_LOOKUPS: readonly PermissionLookup[] = ['local_hit', 'shared_hit', 'miss'];

export interface GatewayOperatorMetrics {
  /** A request (or subscription) exceeded `policy`. */
  rateLimitRefused: (policy: RateLimitPolicyName) => void;
  /** A caller's permissions were found in a cache, or fetched from authz. */
  permissionLookup: (result: PermissionLookup) => void;
}

export function createGatewayOperatorMetrics(registry: Registry): GatewayOperatorMetrics {
  const refusals = zeroedCounter(
    registry,
    {
      name: 'gateway_rate_limit_refusals_total',
      help: 'Requests and subscriptions refused by a rate limit, by policy (client, user, expensive-client, expensive-user)',
      labelNames: ['policy'],
    },
    RATE_LIMIT_POLICIES.map((policy) => ({ policy })),
  );
  const lookups = zeroedCounter(
    registry,
    {
      name: 'gateway_permissions_cache_lookups_total',
      help: "Effective-permission lookups, by result: local_hit (this replica's cache), shared_hit (Redis), miss (asked authz)",
      labelNames: ['result'],
    },
    PERMISSION_LOOKUPS.map((result) => ({ result })),
  );
  return {
    rateLimitRefused: (policy) => refusals.inc({ policy }),
    permissionLookup: (result) => lookups.inc({ result }),
  };
}
