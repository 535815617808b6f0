/**
 * Upload URLs are capabilities, signed the way S3's presigned URLs are: an HMAC-SHA256, with a
 * secret only media knows, over everything the URL allows (the file, its expiry, its content
 * type and size limit). Changing any of them, or using the URL after it expires, fails the check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UploadGrant {
  fileId: string;
  /** Unix seconds. */
  expires: number;
  contentType: string;
  maxBytes: number;
}

export type GrantCheck = { ok: true } | { ok: false; reason: 'invalid signature' | 'expired' };

export function createUploadSigner(secret: string) {
  const sign = (grant: UploadGrant) =>
    createHmac('sha256', secret)
      .update(['media-upload-v1', grant.fileId, grant.expires, grant.contentType, grant.maxBytes].join('\n'))
      .digest('base64url');

  return {
    sign,
    /** Checks the signature first, so an expired URL's other fields are never trusted either. */
    verify(grant: UploadGrant, signature: string, now: Date): GrantCheck {
      const expected = Buffer.from(sign(grant));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'invalid signature' };
      }
      if (now.getTime() >= grant.expires * 1000) return { ok: false, reason: 'expired' };
      return { ok: true };
    },
  };
}

export type UploadSigner = ReturnType<typeof createUploadSigner>;
