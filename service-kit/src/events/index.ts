/**
 * The event backbone: CloudEvents envelopes validated against the catalog (`events/`),
 * the transactional outbox and its relay, idempotent consumers, and the Kafka or
 * in-process transport underneath. See docs/adr/0002-events-outbox.md.
 */
export * from './consumer.js';
export * from './envelope.js';
export * from './in-process-transport.js';
export * from './kafka-transport.js';
export * from './outbox.js';
export * from './relay.js';
export * from './topics.js';
export * from './transport.js';
export * from './types.js';
export * from './service-events.js';
