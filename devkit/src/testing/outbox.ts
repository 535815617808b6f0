/**
 * A subgraph's outbox as its tests look at it (ADR 0002): the events a change wrote in its
 * transaction, and whether the relay delivered the same events to the bus.
 *
 *   expect((await outboxEvents(identity, user.id)).map((event) => event.type)).toEqual([...]);
 *   await expectRelayed(identity, user.id, ['platform.identity.user.registered.v1']);
 */
import type { AnySubgraphDefinition } from '@platform/service-kit';
import { parseEvent, type AnyCloudEvent, type CloudEvent, type EventType } from '@platform/service-kit/events';
import { expect } from 'vitest';
import { eventually, type SubgraphHarness } from './subgraph-harness.js';

/** What these helpers read of a started subgraph (any {@link SubgraphHarness}). */
export type OutboxHarness = Pick<SubgraphHarness<AnySubgraphDefinition>, 'db' | 'published'> & {
  subgraph: { name: string };
};

/**
 * The events in the outbox keyed by `subject`, oldest first (only those of `type` when given),
 * each validated against the catalog and checked to be on the subgraph's own topic.
 */
export async function outboxEvents(harness: OutboxHarness, subject: string): Promise<AnyCloudEvent[]>;
export async function outboxEvents<T extends EventType>(
  harness: OutboxHarness,
  subject: string,
  type: T,
): Promise<CloudEvent<T>[]>;
export async function outboxEvents(
  harness: OutboxHarness,
  subject: string,
  type?: EventType,
): Promise<AnyCloudEvent[]> {
  const rows = await harness
    .db<{ key: string; topic: string; payload: unknown }>('outbox')
    .where({ key: subject })
    .orderBy('seq');
  const events = rows.map((row) => {
    expect(row.topic).toBe(`platform.${harness.subgraph.name}`);
    return parseEvent(row.payload);
  });
  return type === undefined ? events : events.filter((event) => event.type === type);
}

/** How many rows the outbox holds, published or not: a change that was refused or changed nothing adds none. */
export async function outboxSize(harness: Pick<OutboxHarness, 'db'>): Promise<number> {
  const [row] = await harness.db('outbox').count<{ count: string }[]>('* as count');
  return Number(row?.count ?? 0);
}

/**
 * Waits until the relay has delivered `subject`'s events to the bus, and checks that they are
 * `types` in that order and the very events the outbox holds (same ids); then waits until the
 * rows are marked published.
 */
export async function expectRelayed(harness: OutboxHarness, subject: string, types: readonly EventType[]) {
  const received = await eventually(() => {
    const mine = harness.published().filter((event) => event.subject === subject);
    return mine.length >= types.length ? mine : undefined;
  }, `the relay to deliver the events of ${subject}`);
  expect(received.map((event) => event.type)).toEqual(types);
  expect(received.map((event) => event.id)).toEqual((await outboxEvents(harness, subject)).map((event) => event.id));
  // The relay commits published_at right after the bus accepted the rows.
  await eventually(
    async () => (await harness.db('outbox').where({ key: subject }).whereNull('published_at')).length === 0,
    'the rows to be marked published',
  );
}
