/**
 * The port every search engine implements: keep the index in step with listings' snapshots,
 * answer searches and suggestions. The Postgres engine is the only one so far.
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

export interface SearchEngine {
  search(request: SearchRequest): Promise<SearchResult>;
  suggest(prefix: string, first: number, now: Date): Promise<Suggestion[]>;
  /** Applies an event snapshot unless the index holds the same or a newer version. */
  applyEvent(trx: Knex, event: IndexedEvent): Promise<void>;
  /** Applies a venue change to the venue and every event at it. */
  applyVenue(trx: Knex, venue: IndexedVenue): Promise<void>;
}
