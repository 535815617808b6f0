/**
 * SQL for files and avatars. Rows are checked here and returned as `MediaFileModel`s. A file turns
 * READY once, only while still pending and unexpired: a second or late upload changes nothing.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import { IMAGE_TYPES, type ImageType, type UploadPurposeValue } from '../domain/content-types.js';
import type { MediaFileModel } from '../mappers.js';

const fileRow = z.object({
  id: z.string(),
  owner_id: z.string(),
  purpose: z.enum(['AVATAR', 'POST_IMAGE']),
  content_type: z.enum(IMAGE_TYPES),
  // bigint columns arrive as strings from pg; sizes are far below 2^53.
  max_size: z.coerce.number().int(),
  size: z.coerce.number().int().nullable(),
  status: z.enum(['PENDING', 'READY']),
  storage_key: z.string().nullable(),
  expires_at: z.date(),
  created_at: z.date(),
});

const COLUMNS = 'id, owner_id, purpose, content_type, max_size, size, status, storage_key, expires_at, created_at';

const sql = {
  create: `insert into files (id, owner_id, purpose, content_type, max_size, expires_at)
    values (?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
  findManyByIds: `select ${COLUMNS} from files where id = any(?::uuid[])`,
  markReady: `update files set status = 'READY', size = ?, storage_key = ?, ready_at = now()
    where id = ? and status = 'PENDING' and expires_at > now() returning ${COLUMNS}`,
  deleteExpired: `delete from files where status = 'PENDING' and expires_at <= ? returning id`,
  setAvatar: `insert into avatars (user_id, file_id) values (?, ?)
    on conflict (user_id) do update set file_id = excluded.file_id, updated_at = now()
    where avatars.file_id <> excluded.file_id`,
  avatarFiles: `select a.user_id, ${COLUMNS.replace(/(\w+)/g, 'f.$1')} from avatars a join files f on f.id = a.file_id
    where a.user_id = any(?::uuid[])`,
} as const;

function toFile(row: z.infer<typeof fileRow>): MediaFileModel {
  return {
    id: row.id,
    ownerId: row.owner_id,
    purpose: row.purpose,
    contentType: row.content_type,
    maxSize: row.max_size,
    size: row.size,
    status: row.status,
    storageKey: row.storage_key,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

export interface NewFile {
  id: string;
  ownerId: string;
  purpose: UploadPurposeValue;
  contentType: ImageType;
  maxSize: number;
  expiresAt: Date;
}

export function createFileStore(db: Database | Knex.Transaction) {
  const run = sqlOn(db);
  const findManyByIds = async (ids: readonly string[]): Promise<MediaFileModel[]> =>
    (await run.rows(fileRow, sql.findManyByIds, [ids as string[]])).map(toFile);
  return {
    async create(file: NewFile): Promise<MediaFileModel> {
      const row = await run.first(fileRow, sql.create, [
        file.id,
        file.ownerId,
        file.purpose,
        file.contentType,
        file.maxSize,
        file.expiresAt,
      ]);
      return toFile(row!);
    },
    findManyByIds,
    async findById(id: string): Promise<MediaFileModel | undefined> {
      return (await findManyByIds([id]))[0];
    },
    /** READY with its size and key, or undefined when it was no longer pending or had expired. */
    async markReady(id: string, size: number, storageKey: string): Promise<MediaFileModel | undefined> {
      const row = await run.first(fileRow, sql.markReady, [size, storageKey, id]);
      return row && toFile(row);
    },
    /** Deletes uploads still pending at `now` past their expiry; answers their ids. */
    async deleteExpired(now: Date): Promise<string[]> {
      return (await run.rows(z.object({ id: z.string() }), sql.deleteExpired, [now])).map((row) => row.id);
    },
    /** Points the user's avatar at `fileId`; answers whether that changed anything. */
    async setAvatar(userId: string, fileId: string): Promise<boolean> {
      return (await run.execute(sql.setAvatar, [userId, fileId])) > 0;
    },
    async avatarFiles(userIds: readonly string[]): Promise<Map<string, MediaFileModel>> {
      const rows = await run.rows(fileRow.extend({ user_id: z.string() }), sql.avatarFiles, [userIds as string[]]);
      return new Map(rows.map((row) => [row.user_id, toFile(row)]));
    },
  };
}
