/**
 * Streaming upload and download of workspace files (`/api/files/<workspace>/upload|download`),
 * outside tRPC because bodies are raw bytes of any size up to MAX_UPLOAD_BYTES.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticator';
import type { RuntimeRegistry } from '../placements/runtime-registry';
import { fsErrorToTrpc, httpStatusOf } from '../trpc/errors';
import { MAX_UPLOAD_BYTES, contentVersion } from '../workspaces/file-service';
import type { WorkspaceService } from '../workspaces/workspace-service';
import { originAllowed } from './origin';

export const FILES_PATH = '/api/files/';

export interface FileRouteDeps {
  authenticator: Authenticator;
  workspaces: WorkspaceService;
  runtimes: RuntimeRegistry;
  trustedOrigins: readonly string[];
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** `filename*` per RFC 6266/5987 plus an ASCII fallback, so odd names cannot break the header. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function handleFileRequest(req: IncomingMessage, res: ServerResponse, deps: FileRouteDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const [workspaceId, action, extra] = url.pathname.slice(FILES_PATH.length).split('/');
  const path = url.searchParams.get('path') ?? '';
  if (!workspaceId || (action !== 'upload' && action !== 'download') || extra !== undefined) {
    return reply(res, 404, { error: 'unknown file route' });
  }
  if (!originAllowed(req, deps.trustedOrigins)) return reply(res, 403, { error: 'cross-origin request refused' });
  const user = await deps.authenticator.authenticate(req);
  if (!user) return reply(res, 401, { error: 'sign in first' });
  const ws = await deps.workspaces.get(user.id, workspaceId);
  if (!ws) return reply(res, 404, { error: 'no such workspace' });
  const fs = (await deps.runtimes.forWorkspace(ws)).fs;
  try {
    if (action === 'upload') {
      if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' });
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_UPLOAD_BYTES) {
        req.resume();
        return reply(res, 413, { error: `uploads are limited to ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB` });
      }
      const overwrite = url.searchParams.get('overwrite') === '1';
      const s = await fs.writeFile(path, req, { exclusive: !overwrite, maxBytes: MAX_UPLOAD_BYTES });
      // Uploads are not hashed while streaming; the editor re-reads to get a content version.
      return reply(res, 200, { size: s.size, mtime: s.mtime, version: s.size === 0 ? contentVersion(new Uint8Array()) : null });
    }
    if (req.method !== 'GET') return reply(res, 405, { error: 'use GET' });
    const file = await fs.readStream(path);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(file.size),
      'content-disposition': attachment(path.split('/').pop() || 'download'),
      'cache-control': 'no-store',
    });
    for await (const chunk of file.stream) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  } catch (err) {
    const e = fsErrorToTrpc(err, path);
    if (res.headersSent) return void res.destroy();
    if (action === 'upload') req.resume();
    reply(res, httpStatusOf(e), { error: e.message });
  }
}
