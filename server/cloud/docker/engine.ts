/**
 * A small client for the Docker Engine HTTP API (v1.41, Docker 20.10 and later), spoken with
 * node:http over the engine's Unix socket (`DOCKER_HOST=unix:///var/run/docker.sock`, the
 * default) or TCP (`DOCKER_HOST=tcp://host:2375`). Only what the docker worker provider uses:
 * JSON requests, a request body streamed from an async iterable (image import), and a response
 * read to the end. TLS (`DOCKER_TLS_VERIFY`) is not supported: reach a remote engine over an SSH
 * tunnel or a Unix socket forwarded to this machine.
 */
import http from 'node:http';
import { Readable } from 'node:stream';

const API_VERSION = 'v1.41';
const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface EngineAddress {
  socketPath?: string;
  host?: string;
  port?: number;
  /** As given, for messages. */
  display: string;
}

/** `DOCKER_HOST` (unset: the default socket) → where to connect. */
export function parseDockerHost(value: string | undefined): EngineAddress {
  const v = value?.trim() || `unix://${DEFAULT_SOCKET}`;
  if (v.startsWith('unix://')) {
    const socketPath = v.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`DOCKER_HOST ${v} must name an absolute socket path (unix:///path)`);
    return { socketPath, display: v };
  }
  const m = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(v);
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), display: v };
  throw new Error(`DOCKER_HOST must be unix:///path or tcp://host:port, got ${JSON.stringify(v)}`);
}

/** An answer of the engine other than 2xx, with its message. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
  /** An array value repeats the parameter. */
  query?: Record<string, string | number | boolean | undefined | string[]>;
  /** JSON-encoded. */
  json?: unknown;
  /** Streamed as the body (with `contentType`). */
  stream?: AsyncIterable<Uint8Array>;
  contentType?: string;
  timeoutMs?: number;
}

export class DockerEngine {
  constructor(readonly address: EngineAddress) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): DockerEngine {
    return new DockerEngine(parseDockerHost(env.DOCKER_HOST));
  }

  /** The body of a 2xx answer as text; EngineError otherwise. */
  async text(req: EngineRequest): Promise<string> {
    return (await this.bytes(req)).toString('utf8');
  }

  /** The body of a 2xx answer; EngineError otherwise. */
  async bytes(req: EngineRequest): Promise<Buffer> {
    const { status, body } = await this.send(req);
    if (status >= 200 && status < 300) return body;
    let message = body.toString('utf8').trim();
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new EngineError(status, `docker ${req.method ?? 'GET'} ${req.path}: ${message || `HTTP ${status}`}`);
  }

  async json<T>(req: EngineRequest): Promise<T> {
    const text = await this.text(req);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Like json(), but null on 404 (a container or volume that does not exist). */
  async jsonOrNull<T>(req: EngineRequest): Promise<T | null> {
    try {
      return await this.json<T>(req);
    } catch (err) {
      if (err instanceof EngineError && err.status === 404) return null;
      throw err;
    }
  }

  /** A request whose answer does not matter beyond success; 404 and 304 (already done) count as success. */
  async ensure(req: EngineRequest): Promise<void> {
    try {
      await this.text(req);
    } catch (err) {
      if (err instanceof EngineError && (err.status === 404 || err.status === 304)) return;
      throw err;
    }
  }

  private send(req: EngineRequest): Promise<{ status: number; body: Buffer }> {
    const query = Object.entries(req.query ?? {})
      .flatMap(([k, v]) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((one) => `${encodeURIComponent(k)}=${encodeURIComponent(String(one))}`))
      .join('&');
    const { socketPath, host, port } = this.address;
    const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
    return new Promise((resolve, reject) => {
      const r = http.request(
        {
          socketPath,
          host: socketPath ? 'docker' : host,
          port,
          agent: false,
          method: req.method ?? 'GET',
          path: `/${API_VERSION}${req.path}${query ? `?${query}` : ''}`,
          headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : req.stream ? { 'content-type': req.contentType ?? 'application/octet-stream' } : {},
          timeout: req.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.once('error', reject);
        },
      );
      r.once('timeout', () => r.destroy(new Error(`docker ${req.path}: no answer within ${(req.timeoutMs ?? 60_000) / 1000} s`)));
      r.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return reject(new Error(`cannot reach the Docker engine at ${this.address.display} (${err.code}): is dockerd running, and is DOCKER_HOST right?`));
        if (err.code === 'EACCES') return reject(new Error(`no permission to use the Docker engine at ${this.address.display}: run the gateway as a user in the docker group`));
        reject(err);
      });
      if (req.stream) Readable.from(req.stream).once('error', (err) => r.destroy(err)).pipe(r);
      else r.end(body);
    });
  }
}

/**
 * The output of a container or exec without a TTY, as the engine multiplexes it: frames of an
 * 8-byte header (stream 1 = stdout, 2 = stderr; 4-byte big-endian length) and the bytes.
 */
export function demuxStreams(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    (raw[i] === 2 ? err : out).push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
