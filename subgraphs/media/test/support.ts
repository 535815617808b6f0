/** What media's tests share: operations, sample image bytes, and a raw PUT that can stream. */
import { request } from 'node:http';

export const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) {
  createUpload(input: $input) { uploadUrl expiresAt file { id purpose contentType status size url } }
}`;
export const SET_AVATAR = `mutation ($fileId: ID!) { setAvatar(input: { fileId: $fileId }) { user { id avatarUrl } } }`;
export const MEDIA_FILE = `query ($id: ID!) { mediaFile(id: $id) { id status size url } }`;
export const AVATARS = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id avatarUrl } }
}`;

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
/** A real 1×1 GIF. */
export const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** What a forged "image" usually is: markup that would run script if served as HTML. */
export const HTML = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');

export interface PutResult {
  status: number;
  body: Record<string, unknown>;
  /** Bytes the client managed to hand to the socket before the answer came. */
  sentBytes: number;
}

/**
 * PUTs `chunks` to `url` one at a time (chunked, no Content-Length unless given), stopping as
 * soon as the server answers, as a real client does when refused mid-upload.
 */
export function put(
  url: string,
  contentType: string,
  chunks: Iterable<Buffer>,
  headers: Record<string, string> = {},
): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = request(url, { method: 'PUT', headers: { 'content-type': contentType, ...headers } }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          sentBytes,
        });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const iterator = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        if (answered || req.destroyed) return;
        const next = iterator.next();
        if (next.done) {
          req.end();
          return;
        }
        sentBytes += next.value.length;
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** `total` bytes in `size`-byte chunks, starting with `head`. */
export function* bytes(head: Buffer, total: number, size = 64 * 1024): Iterable<Buffer> {
  yield head;
  for (let sent = head.length; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), 7);
}
