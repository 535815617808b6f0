/**
 * What may be uploaded, by purpose, and how its bytes are recognised. Only image types that
 * browsers render inertly are allowed (never SVG or HTML: those can run script from our
 * origin), and a file counts as its type only when its first bytes say so: the name and the
 * `Content-Type` header are the client's word, the magic bytes are the file's.
 */
export type UploadPurposeValue = 'AVATAR' | 'POST_IMAGE';

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export interface PurposeRules {
  contentTypes: readonly ImageType[];
  maxBytes: number;
}

export const PURPOSES: Record<UploadPurposeValue, PurposeRules> = {
  AVATAR: { contentTypes: IMAGE_TYPES, maxBytes: 2 * 1024 * 1024 },
  POST_IMAGE: { contentTypes: IMAGE_TYPES, maxBytes: 10 * 1024 * 1024 },
};

/** How many leading bytes {@link sniffImageType} needs. */
export const SNIFF_BYTES = 12;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The image type the leading bytes announce, or null for anything else. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}

/** The content type in its canonical form (`Image/PNG; x=y` → `image/png`). */
export const normaliseContentType = (value: string): string => value.split(';')[0]!.trim().toLowerCase();
