/** The objects media's resolvers return, as the generated resolver types see them. */
import type { ImageType, UploadPurposeValue } from './domain/content-types.js';

export interface MediaFileModel {
  id: string;
  ownerId: string;
  purpose: UploadPurposeValue;
  contentType: ImageType;
  maxSize: number;
  size: number | null;
  status: 'PENDING' | 'READY';
  /** Where the bytes are in storage; null while pending. */
  storageKey: string | null;
  expiresAt: Date;
  createdAt: Date;
}

export interface UserModel {
  id: string;
}
