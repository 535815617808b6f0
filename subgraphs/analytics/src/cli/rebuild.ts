/**
 * `npm run analytics:rebuild -- --into <postgres url>`: builds the analytics projection from the
 * start of the topics into a fresh database (`projection/rebuild.ts`), with analytics' own
 * KAFKA_BROKERS and LOG_LEVEL (docs/configuration.md), and prints what it did as one JSON line.
 * The live projection is left alone; to switch, stop analytics, run the rebuild, point its
 * DATABASE_URL at the new database and start it again (its consumer group resumes where it was).
 */
import { parseArgs } from 'node:util';
import { ConfigError, createDatabase, createLogger, env, loadConfig } from '@platform/service-kit';
import { z } from 'zod';
import { rebuildProjection } from '../projection/rebuild.js';

const usage = 'usage: npm run analytics:rebuild -- --into <postgres url of a new, empty database>';

try {
  const { values } = parseArgs({ options: { into: { type: 'string' } } });
  const config = loadConfig(
    z.object({
      KAFKA_BROKERS: env.kafkaBrokers,
      LOG_LEVEL: env.logLevel,
      into: env.postgresUrl,
    }),
    { ...process.env, into: values.into },
  );
  if (!config.KAFKA_BROKERS || config.KAFKA_BROKERS.length === 0) {
    throw new ConfigError([
      'KAFKA_BROKERS is required: a rebuild replays the Kafka topics (the in-process bus keeps no history)',
    ]);
  }
  const brokers = config.KAFKA_BROKERS;
  const db = createDatabase({ url: config.into, applicationName: 'analytics-rebuild', poolMax: 4 });
  try {
    const report = await rebuildProjection({
      brokers,
      db,
      logger: createLogger({ service: 'analytics-rebuild', level: config.LOG_LEVEL }),
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await db.destroy();
  }
} catch (error) {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n${usage}\n`
      : `analytics:rebuild failed: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
