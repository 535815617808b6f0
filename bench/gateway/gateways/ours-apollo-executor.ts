/**
 * ours-apollo-executor: `ours-nodedup` with @apollo/gateway's executor of the query plans
 * (`QUERY_PLAN_EXECUTOR=apollo`) instead of the gateway's own, so `--gateways
 * ours-nodedup,ours-apollo-executor` shows what the own executor changes. Not run by default.
 */
import { runAsClusterWorker } from './cluster.js';
import { startOurGateway } from './ours.js';

await runAsClusterWorker('ours-apollo-executor', () =>
  startOurGateway({ ...process.env, INBOUND_DEDUPLICATION: 'off', QUERY_PLAN_EXECUTOR: 'apollo' }),
);
