/** Opaque page cursors: a booking's place in its user's list (created at, id), base64url. */
export interface BookingPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: BookingPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one of ours. */
export function decodeCursor(cursor: string): BookingPosition | null {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (extra !== undefined || !id || Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}
