import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Checks an upload's `Authorization: Bearer <token>` before its (up to 25 MB) body is read:
 * `undefined` when allowed, else the status and error to answer. Without a configured token
 * uploads are disabled (403): an open upload route lets anyone spend the STT budget and CPU.
 */
export function refuseUpload(
  headers: IncomingHttpHeaders,
  token: string | undefined,
): { status: 401 | 403; error: string } | undefined {
  if (token === undefined) return { status: 403, error: 'uploads are disabled: set UPLOAD_TOKEN' };
  // Hashed, so the comparison takes the same time whatever the lengths.
  if (timingSafeEqual(digest(headers.authorization ?? ''), digest(`Bearer ${token}`))) return undefined;
  return { status: 401, error: 'a valid bearer token is required' };
}
