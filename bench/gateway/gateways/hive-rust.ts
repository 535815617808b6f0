/**
 * hive-rust: Hive Gateway with Hive Router's Rust query planner and its executor
 * (`@graphql-hive/router-runtime`'s `unifiedGraphHandler`, as its docs configure it), otherwise
 * `hive` (inbound deduplication on), except `--jit`, which applies to the JS executor only.
 */
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { runAsClusterWorker } from './cluster.js';
import { startHiveGateway, type HiveGatewayOptions } from './hive.js';

/** The router runtime's handler (its own copy of the fusion-runtime types; the same shape at runtime). */
export const rustPlanner = unifiedGraphHandler as unknown as HiveGatewayOptions['unifiedGraphHandler'];

await runAsClusterWorker('hive-rust', (options) =>
  startHiveGateway(options.supergraphPath, options.port, options.host, { unifiedGraphHandler: rustPlanner }),
);
