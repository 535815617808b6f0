/**
 * Uploads against a real Postgres and a real storage, the same suite on each (local disk and an
 * S3-protocol server, `storage-backends.ts`): the upload URL's signature and expiry, the size
 * limit (announced, and counted while the bytes stream in), the content-type allow-list and magic
 * bytes (a forged type is refused and nothing is kept), serving the file back with safe headers,
 * ownership of avatars, the uploaded event, and forgetting expired uploads.
 */
import { randomUUID } from 'node:crypto';
import { randomToken } from '@platform/service-kit';
import {
  anonymous,
  errorCode,
  expectRelayed,
  outboxEvents,
  signedIn,
  startSubgraph,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploadSigner } from '../src/domain/signing.js';
import { mediaSubgraph } from '../src/subgraph.js';
import { STORAGE_BACKENDS, type RunningStorage } from './storage-backends.js';
import { AVATARS, bytes, CREATE_UPLOAD, GIF, HTML, MEDIA_FILE, PNG, put, SET_AVATAR } from './support.js';

// Clients are told this origin; the test reaches the same routes on the harness's port.
const PUBLIC_URL = 'https://media.example.test';
const SECRET = randomToken();

interface Upload {
  uploadUrl: string;
  expiresAt: string;
  file: { id: string; purpose: string; contentType: string; status: string; size: number | null; url: string | null };
}

describe.each(STORAGE_BACKENDS)('on $name', (backend) => {
  let media: SubgraphHarness<typeof mediaSubgraph>;
  let storage: RunningStorage;
  beforeAll(async () => {
    storage = await backend.start();
    media = await startSubgraph(mediaSubgraph, {
      env: { MEDIA_PUBLIC_URL: PUBLIC_URL, MEDIA_UPLOAD_SIGNING_SECRET: SECRET, ...storage.env },
    });
  });
  afterAll(async () => {
    await media?.stop();
    await storage?.stop();
  });

  const local = (url: string) => url.replace(PUBLIC_URL, media.url);

  async function createUpload(userId: string, input: { purpose: string; contentType: string; size: number }) {
    const result = await media.graphql<{ createUpload: Upload }>(CREATE_UPLOAD, { input }, signedIn(userId));
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.createUpload;
  }

  /** What the storage holds for `fileId`, finished or partial. */
  const storedFor = (fileId: string) => storage.storedFor(fileId);

  async function uploadAvatar(userId: string, image = PNG, contentType = 'image/png') {
    const upload = await createUpload(userId, { purpose: 'AVATAR', contentType, size: image.length });
    const result = await put(local(upload.uploadUrl), contentType, [image]);
    expect(result.status).toBe(200);
    return upload.file.id;
  }

  describe('createUpload', () => {
    it('answers a signed URL on the public origin, a pending file and an expiry about 15 minutes ahead', async () => {
      const before = Date.now();
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'Image/PNG',
        size: PNG.length,
      });
      const url = new URL(upload.uploadUrl);
      expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/media/uploads`);
      expect(url.searchParams.get('file')).toBe(upload.file.id);
      expect(url.searchParams.get('signature')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(upload.file).toMatchObject({ purpose: 'AVATAR', contentType: 'image/png', status: 'PENDING', url: null });
      const ttl = Date.parse(upload.expiresAt) - before;
      expect(ttl).toBeGreaterThan(899_000);
      expect(ttl).toBeLessThanOrEqual(901_000);
    });

    it('refuses types outside the allow-list and sizes over the limit, naming each field', async () => {
      const result = await media.graphql(
        CREATE_UPLOAD,
        { input: { purpose: 'AVATAR', contentType: 'image/svg+xml', size: 3 * 1024 * 1024 } },
        signedIn(randomUUID()),
      );
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.body.errors?.[0]?.extensions?.fields).toEqual({
        'input.contentType': 'must be one of image/png, image/jpeg, image/webp, image/gif for AVATAR',
        'input.size': 'must be at most 2097152 bytes for AVATAR',
      });
      const empty = await media.graphql(
        CREATE_UPLOAD,
        { input: { purpose: 'POST_IMAGE', contentType: 'text/html', size: 0 } },
        signedIn(randomUUID()),
      );
      expect(empty.body.errors?.[0]?.extensions?.fields).toMatchObject({ 'input.size': 'must be at least 1 byte' });
    });

    it('is for signed-in users only', async () => {
      const result = await media.graphql(
        CREATE_UPLOAD,
        { input: { purpose: 'AVATAR', contentType: 'image/png', size: 10 } },
        anonymous,
      );
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    });
  });

  describe('uploading and serving', () => {
    it('stores valid bytes, makes the file READY and serves them back with safe, cacheable headers', async () => {
      const owner = randomUUID();
      const upload = await createUpload(owner, { purpose: 'POST_IMAGE', contentType: 'image/png', size: PNG.length });
      const result = await put(local(upload.uploadUrl), 'image/png', [PNG]);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ id: upload.file.id, status: 'READY', size: PNG.length });
      expect(await storedFor(upload.file.id)).toHaveLength(1);

      const file = (
        await media.graphql<{ mediaFile: Upload['file'] }>(MEDIA_FILE, { id: upload.file.id }, signedIn(owner))
      ).body.data!.mediaFile;
      expect(file).toMatchObject({
        status: 'READY',
        size: PNG.length,
        url: `${PUBLIC_URL}/media/files?id=${upload.file.id}`,
      });

      const served = await fetch(local(file.url!));
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
    });

    it('refuses a second upload to the same URL', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: PNG.length,
      });
      expect((await put(local(upload.uploadUrl), 'image/png', [PNG])).status).toBe(200);
      const again = await put(local(upload.uploadUrl), 'image/png', [PNG]);
      expect(again).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    });

    it('publishes platform.media.file.uploaded.v1 without any URL or signature', async () => {
      const owner = randomUUID();
      const fileId = await uploadAvatar(owner);
      const [event] = await outboxEvents(media, fileId, 'platform.media.file.uploaded.v1');
      expect(event!.data).toMatchObject({
        actorId: owner,
        target: { type: 'file', id: fileId },
        file: { id: fileId, ownerId: owner, purpose: 'AVATAR', contentType: 'image/png', size: PNG.length },
      });
      expect(JSON.stringify(event)).not.toMatch(/signature|https?:\/\//);
      await expectRelayed(media, fileId, ['platform.media.file.uploaded.v1']);
    });

    it('answers 404 for unknown or pending files', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: PNG.length,
      });
      expect((await fetch(`${media.url}/media/files?id=${upload.file.id}`)).status).toBe(404);
      expect((await fetch(`${media.url}/media/files?id=${randomUUID()}`)).status).toBe(404);
      expect((await fetch(`${media.url}/media/files?id=../../etc/passwd`)).status).toBe(404);
    });
  });

  describe('the signed URL', () => {
    it('refuses a tampered signature, file or expiry', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: PNG.length,
      });
      const other = await createUpload(randomUUID(), { purpose: 'AVATAR', contentType: 'image/png', size: PNG.length });
      const tamper = (name: string, value: string) => {
        const url = new URL(local(upload.uploadUrl));
        url.searchParams.set(name, value);
        return url.toString();
      };
      const signature = new URL(upload.uploadUrl).searchParams.get('signature')!;
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      const expires = Number(new URL(upload.uploadUrl).searchParams.get('expires'));
      for (const url of [
        tamper('signature', flipped),
        tamper('signature', ''),
        tamper('file', other.file.id),
        tamper('expires', String(expires + 3600)),
      ]) {
        const result = await put(url, 'image/png', [PNG]);
        expect(result).toMatchObject({ status: 403, body: { code: 'INVALID_SIGNATURE' } });
      }
      // The untampered URL still works: nothing above consumed it.
      expect((await put(local(upload.uploadUrl), 'image/png', [PNG])).status).toBe(200);
    });

    it('refuses a correctly signed URL once it has expired', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: PNG.length,
      });
      const expired = Math.floor(Date.now() / 1000) - 1;
      const signature = createUploadSigner(SECRET).sign({
        fileId: upload.file.id,
        expires: expired,
        contentType: 'image/png',
        maxBytes: PNG.length,
      });
      const url = `${media.url}/media/uploads?file=${upload.file.id}&expires=${expired}&signature=${signature}`;
      const result = await put(url, 'image/png', [PNG]);
      expect(result).toMatchObject({ status: 403, body: { code: 'EXPIRED' } });
      expect(await storedFor(upload.file.id)).toEqual([]);
    });
  });

  describe('the size limit', () => {
    it('refuses an announced Content-Length over the declared size before reading the body', async () => {
      const upload = await createUpload(randomUUID(), { purpose: 'AVATAR', contentType: 'image/png', size: 100 });
      const result = await put(local(upload.uploadUrl), 'image/png', [PNG], { 'content-length': '101' });
      expect(result).toMatchObject({ status: 413, body: { code: 'TOO_LARGE' } });
    });

    it('stops reading a chunked body as soon as it passes the declared size, and keeps nothing', async () => {
      const declared = 100 * 1024;
      const total = 20 * 1024 * 1024;
      const upload = await createUpload(randomUUID(), {
        purpose: 'POST_IMAGE',
        contentType: 'image/png',
        size: declared,
      });
      const result = await put(local(upload.uploadUrl), 'image/png', bytes(PNG, total));
      expect(result).toMatchObject({ status: 413, body: { code: 'TOO_LARGE' } });
      // Socket buffers hold a few MiB at most: the 20 MiB were never taken in.
      expect(result.sentBytes).toBeLessThan(total / 2);
      expect(await storedFor(upload.file.id)).toEqual([]);
      const file: unknown = await media.db('files').where({ id: upload.file.id }).first();
      expect(file).toMatchObject({ status: 'PENDING', size: null, storage_key: null });
    });
  });

  describe('content types and magic bytes', () => {
    it('refuses markup sent as image/png and keeps nothing of it', async () => {
      const owner = randomUUID();
      const upload = await createUpload(owner, { purpose: 'AVATAR', contentType: 'image/png', size: HTML.length });
      const result = await put(local(upload.uploadUrl), 'image/png', [HTML]);
      expect(result).toMatchObject({
        status: 415,
        body: { code: 'CONTENT_TYPE_MISMATCH', error: 'The bytes are not an image/png file' },
      });
      expect(await storedFor(upload.file.id)).toEqual([]);
      expect(await media.db('files').where({ id: upload.file.id }).first()).toMatchObject({ status: 'PENDING' });
      expect((await fetch(`${media.url}/media/files?id=${upload.file.id}`)).status).toBe(404);
      expect(errorCode(await media.graphql(SET_AVATAR, { fileId: upload.file.id }, signedIn(owner)))).toBe('CONFLICT');
    });

    it('refuses an allowed image type that is not the one declared (a GIF signed as PNG)', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: GIF.length,
      });
      const result = await put(local(upload.uploadUrl), 'image/png', [GIF]);
      expect(result).toMatchObject({ status: 415, body: { code: 'CONTENT_TYPE_MISMATCH' } });
    });

    it('refuses a Content-Type header other than the signed one', async () => {
      const upload = await createUpload(randomUUID(), {
        purpose: 'AVATAR',
        contentType: 'image/png',
        size: PNG.length,
      });
      const result = await put(local(upload.uploadUrl), 'text/html', [PNG]);
      expect(result).toMatchObject({ status: 415, body: { error: 'Content-Type must be image/png, as signed' } });
    });

    it('recognises GIF and serves it as image/gif', async () => {
      const fileId = await uploadAvatar(randomUUID(), GIF, 'image/gif');
      const served = await fetch(`${media.url}/media/files?id=${fileId}`);
      expect(served.headers.get('content-type')).toBe('image/gif');
    });
  });

  describe('avatars', () => {
    const avatarOf = async (userId: string) =>
      (
        await media.graphql<{ _entities: { id: string; avatarUrl: string | null }[] }>(AVATARS, {
          representations: [{ __typename: 'User', id: userId }],
        })
      ).body.data!._entities[0]!.avatarUrl;

    it("sets the caller's READY avatar upload; the user's avatarUrl points at it", async () => {
      const user = randomUUID();
      expect(await avatarOf(user)).toBeNull();
      const fileId = await uploadAvatar(user);
      const result = await media.graphql<{ setAvatar: { user: { avatarUrl: string } } }>(
        SET_AVATAR,
        { fileId },
        signedIn(user),
      );
      expect(result.body.data?.setAvatar.user.avatarUrl).toBe(`${PUBLIC_URL}/media/files?id=${fileId}`);
      expect(await avatarOf(user)).toBe(`${PUBLIC_URL}/media/files?id=${fileId}`);
      // Setting it again is harmless (a retried mutation).
      expect((await media.graphql(SET_AVATAR, { fileId }, signedIn(user))).body.errors).toBeUndefined();
    });

    it("refuses someone else's file, a post image, and an unknown id", async () => {
      const owner = randomUUID();
      const stranger = randomUUID();
      const fileId = await uploadAvatar(owner);
      expect(errorCode(await media.graphql(SET_AVATAR, { fileId }, signedIn(stranger)))).toBe('FORBIDDEN');
      expect(await avatarOf(stranger)).toBeNull();
      expect((await media.graphql(MEDIA_FILE, { id: fileId }, signedIn(stranger))).body.data?.mediaFile).toBeNull();

      const postImage = await createUpload(owner, {
        purpose: 'POST_IMAGE',
        contentType: 'image/png',
        size: PNG.length,
      });
      expect((await put(local(postImage.uploadUrl), 'image/png', [PNG])).status).toBe(200);
      const wrongPurpose = await media.graphql(SET_AVATAR, { fileId: postImage.file.id }, signedIn(owner));
      expect(errorCode(wrongPurpose)).toBe('BAD_USER_INPUT');
      expect(wrongPurpose.body.errors?.[0]?.extensions?.fields).toEqual({
        'input.fileId': 'must be a file uploaded with purpose AVATAR',
      });
      expect(errorCode(await media.graphql(SET_AVATAR, { fileId: randomUUID() }, signedIn(owner)))).toBe('NOT_FOUND');
    });
  });

  describe('expiry', () => {
    it('forgets pending uploads past their expiry and keeps READY files', async () => {
      const user = randomUUID();
      const pending = await createUpload(user, { purpose: 'AVATAR', contentType: 'image/png', size: PNG.length });
      const ready = await uploadAvatar(user);
      await media
        .db('files')
        .whereIn('id', [pending.file.id, ready])
        .update({ expires_at: new Date(Date.now() - 1000) });
      expect(await media.subgraph.exposed.expireUploads()).toBeGreaterThanOrEqual(1);
      expect(await media.db('files').where({ id: pending.file.id }).first()).toBeUndefined();
      expect(await media.db('files').where({ id: ready }).first()).toMatchObject({ status: 'READY' });
      // Its URL is dead with it.
      expect((await put(local(pending.uploadUrl), 'image/png', [PNG])).status).toBe(404);
    });
  });
});
