/**
 * Uploads through the real gateway and media's public origin, the way a client app does them:
 * createUpload at the gateway, PUT the bytes to the signed URL it answers, setAvatar, then
 * `me { avatarUrl }` (identity's user, media's field) points at a URL that serves the same
 * bytes. A file whose bytes are not the image type it claims is refused and never served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser } from '../harness/users.js';

const CREATE_UPLOAD = /* GraphQL */ `
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      uploadUrl
      expiresAt
      file {
        id
        status
      }
    }
  }
`;
const SET_AVATAR = /* GraphQL */ `
  mutation SetAvatar($fileId: ID!) {
    setAvatar(input: { fileId: $fileId }) {
      user {
        id
        avatarUrl
      }
    }
  }
`;
const ME = /* GraphQL */ `
  query MyAvatar {
    me {
      id
      email
      avatarUrl
    }
  }
`;

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

async function signIn(label: string) {
  const user = await registerUser(platform, label);
  return { user, token: (await login(platform, user)).accessToken };
}

async function createUpload(token: string, contentType: string, size: number) {
  const response = await platform.graphql<{
    createUpload: { uploadUrl: string; expiresAt: string; file: { id: string; status: string } };
  }>(CREATE_UPLOAD, { input: { purpose: 'AVATAR', contentType, size } }, { token });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createUpload;
}

const upload = (url: string, contentType: string, body: Buffer) =>
  fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body: new Uint8Array(body) });

describe('avatars through the gateway', () => {
  it('createUpload, PUT, setAvatar: me { avatarUrl } serves the uploaded bytes', async () => {
    const { user, token } = await signIn('avatar');
    const created = await createUpload(token, 'image/png', PNG.length);
    expect(created.file.status).toBe('PENDING');
    // The URL is media's public origin, not the gateway: the bytes never pass through GraphQL.
    expect(new URL(created.uploadUrl).origin).toBe(platform.subgraphUrls.media);

    const put = await upload(created.uploadUrl, 'image/png', PNG);
    expect(put.status).toBe(200);

    const set = await platform.graphql<{ setAvatar: { user: { id: string; avatarUrl: string } } }>(
      SET_AVATAR,
      { fileId: created.file.id },
      { token },
    );
    expect(set.body.errors).toBeUndefined();
    expect(set.body.data?.setAvatar.user.id).toBe(user.id);

    const me = await platform.graphql<{ me: { id: string; email: string; avatarUrl: string } }>(ME, {}, { token });
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data?.me).toMatchObject({ id: user.id, email: user.email });
    expect(me.body.data?.me.avatarUrl).toBe(set.body.data?.setAvatar.user.avatarUrl);

    const served = await fetch(me.body.data!.me.avatarUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
  });

  it('refuses an upload whose bytes are not the declared image type, and it cannot become an avatar', async () => {
    const { token } = await signIn('forger');
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const created = await createUpload(token, 'image/png', html.length);

    const put = await upload(created.uploadUrl, 'image/png', html);
    expect(put.status).toBe(415);
    expect(await put.json()).toMatchObject({ code: 'CONTENT_TYPE_MISMATCH' });

    const set = await platform.graphql(SET_AVATAR, { fileId: created.file.id }, { token });
    expect(errorCodes(set)).toEqual(['CONFLICT']);
    const me = await platform.graphql<{ me: { avatarUrl: string | null } }>(ME, {}, { token });
    expect(me.body.data?.me.avatarUrl).toBeNull();
    const fileUrl = `${platform.subgraphUrls.media}/media/files?id=${created.file.id}`;
    expect((await fetch(fileUrl)).status).toBe(404);
  });

  it('refuses createUpload for anonymous callers at the gateway', async () => {
    const response = await platform.graphql(CREATE_UPLOAD, {
      input: { purpose: 'AVATAR', contentType: 'image/png', size: 10 },
    });
    // @authenticated: the gateway removes the field before any subgraph is asked.
    expect(errorCodes(response)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
  });
});
