/** hive-rust-nodedup: `hive-rust` without `inboundInflightRequestDeduplication`. */
import { runAsClusterWorker } from './cluster.js';
import { startHiveGateway } from './hive.js';
import { rustPlanner } from './hive-rust.js';

await runAsClusterWorker('hive-rust-nodedup', (options) =>
  startHiveGateway(options.supergraphPath, options.port, options.host, {
    inboundInflightRequestDeduplication: false,
    unifiedGraphHandler: rustPlanner,
  }),
);
