/**
 * SQL for venues. Rows are checked at this boundary and returned as `VenueModel`s; ids given
 * here must already be UUIDs.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';
import type { VenueModel } from '../mappers.js';

const venueRow = z.object({
  id: z.string(),
  organizer_id: z.string(),
  name: z.string(),
  address: z.string(),
  city: z.string(),
  country_code: z.string(),
  time_zone: z.string(),
  capacity: z.number().int(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
});

const COLUMNS = 'id, organizer_id, name, address, city, country_code, time_zone, capacity, latitude, longitude';

const sql = {
  findManyByIds: `select ${COLUMNS} from venues where id = any(?::uuid[])`,
  lockById: `select ${COLUMNS} from venues where id = ? for update`,
  page: `select ${COLUMNS} from venues
    where (?::text is null or (name collate "C", id) > (?::text collate "C", ?::uuid))
    order by name collate "C", id limit ?`,
  create: `insert into venues (id, organizer_id, name, address, city, country_code, time_zone, capacity, latitude, longitude)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
  update: `update venues set name = ?, address = ?, city = ?, country_code = ?, time_zone = ?, capacity = ?,
    latitude = ?, longitude = ?, updated_at = now() where id = ? returning ${COLUMNS}`,
} as const;

function toVenue(row: z.infer<typeof venueRow>): VenueModel {
  return {
    id: row.id,
    organizerId: row.organizer_id,
    name: row.name,
    address: row.address,
    city: row.city,
    countryCode: row.country_code,
    timeZone: row.time_zone,
    capacity: row.capacity,
    latitude: row.latitude,
    longitude: row.longitude,
  };
}

/**
 * A venue as this connection sees it, as one jsonb value in the row's own shape (`?` the venue
 * id): a keyed createVenue's answer, stored with its key (idempotency-store.ts) so a retry
 * answers exactly what the first attempt did.
 */
export const VENUE_ANSWER = `select to_jsonb(v) from (select ${COLUMNS} from venues where id = ?) v`;

/** `VENUE_ANSWER`'s value as the venue it answers. */
export const venueAnswer = venueRow.transform(toVenue);

/** A venue's fields as written (everything but the id). */
export type VenueFields = Omit<VenueModel, 'id'>;

export interface VenueStore {
  /** The venues among `ids`, in no particular order, in one query. */
  findManyByIds(ids: readonly string[]): Promise<VenueModel[]>;
  findById(id: string): Promise<VenueModel | null>;
  /** The venue, locked until the transaction ends (changes to it and to its events' capacity serialize on it). */
  lockById(id: string): Promise<VenueModel | null>;
  /** Up to `limit` venues after the `(name, id)` position, by name (byte order) then id. */
  page(after: { name: string; id: string } | null, limit: number): Promise<VenueModel[]>;
  /** Inserts a venue with the id the caller chose (so an idempotency key can name it first). */
  create(id: string, fields: VenueFields): Promise<VenueModel>;
  update(id: string, fields: VenueFields): Promise<VenueModel>;
}

/** A venue store on `db`, which may be a transaction. */
export function createVenueStore(db: Database): VenueStore {
  const run = sqlOn(db);
  const values = (fields: VenueFields) => [
    fields.name,
    fields.address,
    fields.city,
    fields.countryCode,
    fields.timeZone,
    fields.capacity,
    fields.latitude,
    fields.longitude,
  ];
  const store: VenueStore = {
    async findManyByIds(ids) {
      if (ids.length === 0) return [];
      return (await run.rows(venueRow, sql.findManyByIds, [[...ids]])).map(toVenue);
    },
    async findById(id) {
      return (await store.findManyByIds([id]))[0] ?? null;
    },
    async lockById(id) {
      const row = await run.first(venueRow, sql.lockById, [id]);
      return row ? toVenue(row) : null;
    },
    async page(after, limit) {
      const rows = await run.rows(venueRow, sql.page, [
        after?.name ?? null,
        after?.name ?? null,
        after?.id ?? null,
        limit,
      ]);
      return rows.map(toVenue);
    },
    async create(id, fields) {
      const row = await run.first(venueRow, sql.create, [id, fields.organizerId, ...values(fields)]);
      return toVenue(row!);
    },
    async update(id, fields) {
      const row = await run.first(venueRow, sql.update, [...values(fields), id]);
      return toVenue(row!);
    },
  };
  return store;
}
