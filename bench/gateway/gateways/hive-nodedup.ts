/**
 * hive-nodedup: `hive` without `inboundInflightRequestDeduplication`. The workload sends
 * the same operation from 50 clients at once, so deduplicating identical requests in
 * flight answers many of them with one execution; this variant shows how much of Hive
 * Gateway's figure that is. Not run by default.
 */
import { runAsClusterWorker } from './cluster.js';
import { startHiveGateway } from './hive.js';

await runAsClusterWorker('hive-nodedup', (options) =>
  startHiveGateway(options.supergraphPath, options.port, options.host, {
    inboundInflightRequestDeduplication: false,
  }),
);
