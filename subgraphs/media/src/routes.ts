/**
 * Media's public HTTP routes, the part of the service clients reach directly (like an S3
 * bucket's endpoint; see README): `PUT /media/uploads?file&expires&signature` receives the
 * bytes of a signed upload, `GET /media/files?id` serves a READY file. Everything else on
 * this port (GraphQL, probes, metrics) stays behind the gateway.
 */
import { sendJson, type Route } from '@platform/service-kit';
import { isUuid, UploadRefused, type Files } from './domain/files.js';
import type { FileStorage } from './storage/port.js';

// A file's bytes never change under its id: caches may keep it for a year.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function mediaRoutes(files: Files, storage: FileStorage): Route[] {
  return [
    {
      method: '*',
      path: '/media/uploads',
      handler: async ({ req, res, url, requestId, logger }) => {
        if (req.method !== 'PUT') {
          sendJson(res, 405, { error: 'Use PUT to upload', code: 'METHOD_NOT_ALLOWED' }, { allow: 'PUT' });
          return;
        }
        const declared = req.headers['content-length'];
        try {
          const file = await files.receiveUpload({
            params: url.searchParams,
            contentType: req.headers['content-type'],
            contentLength: declared === undefined ? undefined : Number(declared),
            body: req,
            // Past the limit we stop reading: the rest of the body is never taken in.
            stop: () => req.pause(),
            requestId,
            client: { ip: req.socket.remoteAddress ?? null, userAgent: req.headers['user-agent'] ?? null },
          });
          sendJson(res, 200, { id: file.id, status: file.status, size: file.size, url: files.urlOf(file) });
        } catch (error) {
          if (!(error instanceof UploadRefused)) throw error;
          logger.info({ code: error.code }, 'upload refused');
          // The client may still be sending: answer, then close the connection instead of draining it.
          res.setHeader('connection', 'close');
          sendJson(res, error.status, { error: error.message, code: error.code });
          res.on('finish', () => req.destroy());
        }
      },
    },
    {
      method: 'GET',
      path: '/media/files',
      handler: async ({ res, url }) => {
        const id = url.searchParams.get('id') ?? '';
        const file = isUuid(id) ? await files.files.findById(id.toLowerCase()) : undefined;
        const stored = file?.status === 'READY' && file.storageKey ? await storage.get(file.storageKey) : null;
        if (!file || !stored) {
          sendJson(res, 404, { error: 'No such file', code: 'NOT_FOUND' });
          return;
        }
        res.writeHead(200, {
          // Only the allow-listed image types are ever stored, and they were checked by their bytes.
          'content-type': file.contentType,
          'content-length': stored.size,
          'cache-control': IMMUTABLE,
          etag: `"${file.id}"`,
          'x-content-type-options': 'nosniff',
          'content-disposition': 'inline',
          // Other origins (the web app) may embed it.
          'cross-origin-resource-policy': 'cross-origin',
        });
        stored.body.pipe(res);
      },
    },
  ];
}
