/**
 * Search freshness on a real Kafka broker (issue #10): every service publishes and consumes
 * through Kafka; 20 events published through the gateway are each findable within 2 s (p95),
 * and a cancelled one disappears.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKafkaBroker, type KafkaBroker } from '@platform/devkit/kafka';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { freshness, organizerWithVenue, percentile, publishEvent, searchIds, uniqueWord } from '../harness/search.js';

let broker: KafkaBroker;
let dataDir: string;
let platform: TestPlatform;
let token: string;
let venueId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'platform-kafka-'));
  broker = await startKafkaBroker({ dataDir });
  platform = await startTestPlatform({ kafkaBrokers: broker.brokers });
  ({ token, venueId } = await organizerWithVenue(platform));
}, 180_000);
afterAll(async () => {
  await platform?.stop();
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('finds a published event within 2 s (p95 over 20) on Kafka and forgets a cancelled one', async () => {
  // The first publication also waits for search's consumer group to be assigned its partitions.
  const word = uniqueWord();
  const first = await publishEvent(platform, token, venueId, `Warm up ${word}`);
  await eventually(async () => (await searchIds(platform, word)).includes(first.id), 'the first event', 60_000);

  const delays = await freshness(platform, token, venueId, 20);
  console.log(
    `search freshness, Kafka: p50 ${percentile(delays, 50).toFixed(0)} ms, p95 ${percentile(delays, 95).toFixed(0)} ms`,
  );
  expect(percentile(delays, 95)).toBeLessThan(2000);

  const cancelled = await platform.graphql(
    contractOperation('CancelEvent'),
    { id: first.id, reason: 'rain' },
    { token },
  );
  expect(cancelled.body.errors).toBeUndefined();
  await eventually(
    async () => (await searchIds(platform, word)).length === 0,
    'the cancelled event to disappear',
    2000,
  );
}, 180_000);
