/**
 * Media's one service: hands out signed upload URLs, receives the bytes (checked while they
 * stream: size, then magic bytes against the declared type), makes files READY with their
 * event, sets avatars and forgets uploads that never came.
 */
import { randomUUID } from 'node:crypto';
import {
  conflict,
  forbidden,
  InputProblems,
  notFound,
  requireUserId,
  type BaseContext,
  type Database,
} from '@platform/service-kit';
import { createEvent, enqueue, requestContextOf } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { MediaFileModel } from '../mappers.js';
import type { FileStorage } from '../storage/port.js';
import { createFileStore } from '../stores/file-store.js';
import {
  normaliseContentType,
  PURPOSES,
  SNIFF_BYTES,
  sniffImageType,
  type UploadPurposeValue,
} from './content-types.js';
import type { UploadGrant, UploadSigner } from './signing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** Why an upload was refused, with the HTTP status the upload route answers. */
export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FilesOptions {
  db: Database;
  storage: FileStorage;
  signer: UploadSigner;
  /** Where clients reach media's `/media/*` routes, without a trailing slash. */
  publicUrl: string;
  uploadUrlTtlSeconds: number;
  now?: () => Date;
}

export function createFiles(options: FilesOptions) {
  const { db, storage, signer, publicUrl } = options;
  const now = options.now ?? (() => new Date());
  const files = createFileStore(db);

  const urlOf = (file: MediaFileModel): string | null =>
    file.status === 'READY' ? `${publicUrl}/media/files?id=${file.id}` : null;

  const grantOf = (file: MediaFileModel, expires: number): UploadGrant => ({
    fileId: file.id,
    expires,
    contentType: file.contentType,
    maxBytes: file.maxSize,
  });

  return {
    urlOf,
    files,

    async createUpload(
      context: BaseContext,
      input: { purpose: UploadPurposeValue; contentType: string; size: number },
    ): Promise<{ file: MediaFileModel; uploadUrl: string; expiresAt: Date }> {
      const ownerId = requireUserId(context);
      const rules = PURPOSES[input.purpose];
      const contentType = normaliseContentType(input.contentType);
      const problems = new InputProblems('input');
      const allowed = rules.contentTypes.find((type) => type === contentType);
      if (!allowed) {
        problems.add('contentType', `must be one of ${rules.contentTypes.join(', ')} for ${input.purpose}`);
      }
      if (!Number.isInteger(input.size) || input.size < 1) problems.add('size', 'must be at least 1 byte');
      else if (input.size > rules.maxBytes) {
        problems.add('size', `must be at most ${rules.maxBytes} bytes for ${input.purpose}`);
      }
      problems.throwIfAny();

      // Whole seconds: the expiry is part of the signed URL.
      const expires = Math.floor(now().getTime() / 1000) + options.uploadUrlTtlSeconds;
      const file = await files.create({
        id: randomUUID(),
        ownerId,
        purpose: input.purpose,
        contentType: allowed!,
        maxSize: input.size,
        expiresAt: new Date(expires * 1000),
      });
      const signature = signer.sign(grantOf(file, expires));
      const query = new URLSearchParams({ file: file.id, expires: String(expires), signature });
      return { file, uploadUrl: `${publicUrl}/media/uploads?${query.toString()}`, expiresAt: file.expiresAt };
    },

    /**
     * Receives the bytes of a signed upload. Nothing is kept unless every check passes: the
     * signature and expiry, the declared `Content-Type`, the size (counted while reading, the
     * stream stopped past the limit) and the magic bytes of the declared type.
     */
    async receiveUpload(request: {
      params: URLSearchParams;
      contentType: string | undefined;
      contentLength: number | undefined;
      body: AsyncIterable<Uint8Array>;
      stop: () => void;
      requestId: string;
      client: { ip: string | null; userAgent: string | null };
    }): Promise<MediaFileModel> {
      const fileId = request.params.get('file') ?? '';
      const expires = Number(request.params.get('expires'));
      const signature = request.params.get('signature') ?? '';
      if (!isUuid(fileId) || !Number.isInteger(expires)) {
        throw new UploadRefused(403, 'INVALID_SIGNATURE', 'The upload URL is not a valid signed URL');
      }
      const file = await files.findById(fileId.toLowerCase());
      if (!file) throw new UploadRefused(404, 'NOT_FOUND', 'No such upload (it may have expired)');
      const check = signer.verify(grantOf(file, expires), signature, now());
      if (!check.ok) {
        throw check.reason === 'expired'
          ? new UploadRefused(403, 'EXPIRED', 'The upload URL has expired; ask for a new one')
          : new UploadRefused(403, 'INVALID_SIGNATURE', 'The upload URL signature does not match');
      }
      if (file.status !== 'PENDING') throw new UploadRefused(409, 'CONFLICT', 'This file was already uploaded');
      if (normaliseContentType(request.contentType ?? '') !== file.contentType) {
        throw new UploadRefused(415, 'CONTENT_TYPE_MISMATCH', `Content-Type must be ${file.contentType}, as signed`);
      }
      if (request.contentLength !== undefined && request.contentLength > file.maxSize) {
        throw new UploadRefused(413, 'TOO_LARGE', `The file may be at most ${file.maxSize} bytes`);
      }

      let size = 0;
      let head = Buffer.alloc(0);
      const checkHead = () => {
        if (sniffImageType(head) !== file.contentType) {
          throw new UploadRefused(415, 'CONTENT_TYPE_MISMATCH', `The bytes are not an ${file.contentType} file`);
        }
      };
      async function* checked(body: AsyncIterable<Uint8Array>) {
        for await (const chunk of body) {
          size += chunk.length;
          if (size > file!.maxSize) {
            request.stop();
            throw new UploadRefused(413, 'TOO_LARGE', `The file may be at most ${file!.maxSize} bytes`);
          }
          if (head.length < SNIFF_BYTES) {
            head = Buffer.concat([head, chunk]).subarray(0, SNIFF_BYTES);
            if (head.length >= SNIFF_BYTES) checkHead();
          }
          yield chunk;
        }
        if (head.length < SNIFF_BYTES) checkHead();
      }
      // A key of its own per attempt: two racing uploads never overwrite each other's bytes.
      const storageKey = `${file.id}-${randomUUID()}`;
      await storage.put(storageKey, checked(request.body));

      const ready = await db.transaction(async (trx: Knex.Transaction) => {
        const marked = await createFileStore(trx).markReady(file.id, size, storageKey);
        if (!marked) return undefined;
        await enqueue(trx, [
          createEvent({
            type: 'platform.media.file.uploaded.v1',
            subject: marked.id,
            data: {
              actorId: marked.ownerId,
              target: { type: 'file', id: marked.id },
              context: requestContextOf({ requestId: request.requestId, client: request.client }),
              file: {
                id: marked.id,
                ownerId: marked.ownerId,
                purpose: marked.purpose,
                contentType: marked.contentType,
                size,
              },
            },
          }),
        ]);
        return marked;
      });
      if (!ready) {
        await storage.delete(storageKey);
        throw new UploadRefused(409, 'CONFLICT', 'This upload was completed or expired meanwhile');
      }
      return ready;
    },

    /** Makes the caller's READY avatar upload their avatar. */
    async setAvatar(context: BaseContext, fileId: string): Promise<void> {
      const userId = requireUserId(context);
      const file = isUuid(fileId) ? await files.findById(fileId.toLowerCase()) : undefined;
      if (!file) throw notFound('No such file');
      if (file.ownerId !== userId) throw forbidden('You can only use files you uploaded');
      if (file.purpose !== 'AVATAR') {
        const problems = new InputProblems('input');
        problems.add('fileId', 'must be a file uploaded with purpose AVATAR');
        problems.throwIfAny();
      }
      if (file.status !== 'READY') throw conflict('The file has not been uploaded yet');
      await files.setAvatar(userId, file.id);
    },

    /** Forgets uploads whose URL expired before the bytes came; answers how many. */
    async expireUploads(): Promise<number> {
      return (await files.deleteExpired(now())).length;
    },
  };
}

export type Files = ReturnType<typeof createFiles>;
