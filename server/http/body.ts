import type { IncomingMessage } from 'node:http';
import { TetherError } from '../errors';

export class BodyTooLargeError extends TetherError {
  constructor(readonly limit: number) {
    super('too_large', `request body exceeds ${limit} bytes`);
  }
}

/** Read a request body up to `limit` bytes; larger bodies are refused, not truncated. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
