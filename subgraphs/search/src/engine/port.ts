/**
 * The port every search engine implements: keep the index in step with listings' snapshots,
 * answer searches and suggestions, and rebuild the index from scratch. Two implement it:
 * Postgres (`postgres.ts`, the default) and OpenSearch (`opensearch.ts`, with `OPENSEARCH_URL`).
 */
import type { Knex } from 'knex';
import type { SearchRequest } from '../domain/request.js';

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchHit {
  id: string;
  /** Relevance, rounded to 6 decimals (a decimal string, so cursors compare exactly). */
  score: string;
  startsAt: Date;
  /** The best fragment, HTML-escaped, matched words in `<mark>`; null without words. */
  highlight: string | null;
  distanceKm: number | null;
}

export interface SearchResult {
  totalCount: number;
  facets: { categories: FacetCount[]; cities: FacetCount[] };
  hits: SearchHit[];
  hasNextPage: boolean;
}

export interface Suggestion {
  id: string;
  title: string;
}

/** A venue as listings last described it. */
export interface IndexedVenue {
  id: string;
  name: string;
  city: string;
  latitude: number | null;
  longitude: number | null;
}

/** An event snapshot as listings publishes it (the fields search keeps). */
export interface IndexedEvent {
  id: string;
  version: number;
  organizerId: string;
  status: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  title: string;
  description: string;
  category: string;
  startsAt: string;
  endsAt: string;
  venue: IndexedVenue;
}

/** What a rebuild did. */
export interface RebuildReport {
  /** Snapshots read from the source. */
  read: number;
  /** Index entries written (new, or newer than what the index held). */
  written: number;
  /** Index entries removed: events the source no longer has, indexed before the rebuild began. */
  removed: number;
}

export interface SearchEngine {
  readonly name: 'postgres' | 'opensearch';
  /** Prepares the index (OpenSearch: creates it behind its alias when missing). */
  ready(): Promise<void>;
  /** Releases the engine's own connections (not the database's). */
  close(): Promise<void>;
  search(request: SearchRequest): Promise<SearchResult>;
  suggest(prefix: string, first: number, now: Date): Promise<Suggestion[]>;
  /** Applies an event snapshot unless the index holds the same or a newer version. */
  applyEvent(trx: Knex, event: IndexedEvent): Promise<void>;
  /** Applies a venue change to the venue and every event at it. */
  applyVenue(trx: Knex, venue: IndexedVenue): Promise<void>;
  /**
   * Builds a fresh index from every snapshot `pages` yields (the source's whole current state),
   * then swaps it in, keeping what is newer in the live index (events applied meanwhile): safe
   * while events keep arriving, and a second run changes nothing. One rebuild at a time: a
   * second is refused with `RebuildRunningError`; `started` is told once this one holds the lock.
   */
  rebuild(pages: AsyncIterable<IndexedEvent[]>, started?: () => void): Promise<RebuildReport>;
  /** The snapshot version the index holds for an event, or null (for operators and tests). */
  indexedVersion(id: string): Promise<number | null>;
  /** How many events the index holds, every status (OpenSearch: those already searchable). */
  size(): Promise<number>;
}
