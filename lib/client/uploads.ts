/**
 * Uploads into the workspace through the gateway's streaming route (`/api/files/.../upload`): one
 * POST per file with the raw bytes as the body, so a 50 MB file never sits whole in a tRPC message
 * and the browser reports progress as it sends. The gateway writes to a temp file and renames it
 * at the end: a failed or refused upload leaves what was there before.
 */
import { MAX_UPLOAD_BYTES } from '../shared/file-limits';
import { joinPath, uploadUrl } from './file-paths';

export { MAX_UPLOAD_BYTES };

export type UploadOutcome =
  | { kind: 'done' }
  /** The file exists and `overwrite` was not set (HTTP 409): nothing was changed. */
  | { kind: 'exists' }
  | { kind: 'failed'; message: string };

export interface UploadProgress {
  id: number;
  name: string;
  /** Workspace path the file goes to. */
  path: string;
  sent: number;
  total: number;
}

/** "3.2 MB", "512 B": sizes as people read them (powers of 1024, one decimal from KB on). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Whole percent sent, 0–100; an empty file is done at once. */
export function percentOf(sent: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((sent / total) * 100));
}

/** Why `size` bytes cannot be uploaded, or null. */
export function oversizeReason(name: string, size: number): string | null {
  return size > MAX_UPLOAD_BYTES ? `${name} is ${formatBytes(size)}; uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)} per file` : null;
}

/** Workspace path of an uploaded file named `name` in `dir`. */
export const uploadPath = (dir: string, name: string) => joinPath(dir, name);

/** The error sentence of a refused upload's JSON body, or the HTTP status text. */
export function uploadErrorMessage(status: number, body: string, statusText: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: a proxy's page
  }
  return statusText || `HTTP ${status}`;
}

/**
 * POST `file` to the upload route; `onProgress(sent)` as the browser sends. XMLHttpRequest, not
 * fetch: only it reports upload progress.
 */
export function sendFile(
  workspaceId: string,
  path: string,
  file: Blob,
  overwrite: boolean,
  onProgress: (sent: number) => void,
  signal?: AbortSignal,
): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', uploadUrl(workspaceId, path, overwrite));
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve({ kind: 'done' });
      else if (xhr.status === 409 && !overwrite) resolve({ kind: 'exists' });
      else resolve({ kind: 'failed', message: uploadErrorMessage(xhr.status, xhr.responseText, xhr.statusText) });
    };
    xhr.onerror = () => resolve({ kind: 'failed', message: 'the connection to the gateway was lost' });
    xhr.onabort = () => resolve({ kind: 'failed', message: 'cancelled' });
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
