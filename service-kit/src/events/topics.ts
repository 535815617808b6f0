/**
 * Event type names and the Kafka topics they travel on. A type reads
 * `platform.<domain>.<aggregate>.<action>.v<major>`; every type of one domain shares the
 * topic `platform.<domain>`, keyed by the aggregate id, and each topic has a dead-letter
 * topic `<topic>.dlq` for messages its consumers could not process.
 */
import { EVENT_DOMAINS } from './__generated__/catalog.js';

export { EVENT_DOMAINS };

const TYPE_PATTERN = /^platform\.([a-z][a-z0-9]*)\.([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.v([1-9][0-9]*)$/;

/** The domains that publish events, one topic each: derived from the catalog by `npm run codegen`. */
export type EventDomain = (typeof EVENT_DOMAINS)[number];

export interface ParsedEventType {
  domain: string;
  /** `user.registered`, `refresh_token.reuse_detected`. */
  name: string;
  version: number;
}

/** Splits a type name; undefined when it does not follow the naming rule. */
export function parseEventType(type: string): ParsedEventType | undefined {
  const match = TYPE_PATTERN.exec(type);
  if (!match) return undefined;
  return { domain: match[1]!, name: match[2]!, version: Number(match[3]) };
}

function domainOf(type: string): string {
  const parsed = parseEventType(type);
  if (!parsed) throw new Error(`not a platform event type: ${JSON.stringify(type)}`);
  return parsed.domain;
}

/** `platform.identity.user.registered.v1` → `platform.identity`. */
export function topicForType(type: string): string {
  return `platform.${domainOf(type)}`;
}

/** `platform.identity.user.registered.v1` → `/platform/identity`, the CloudEvents `source`. */
export function sourceForType(type: string): string {
  return `/platform/${domainOf(type)}`;
}

/** The topic of every event a domain publishes. */
export function topicForDomain(domain: EventDomain): string {
  return `platform.${domain}`;
}

/** Where consumers of `topic` park the messages they cannot process. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
