import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Read a generated secret from DATA_DIR, creating it (mode 0600) on first run. */
export async function loadOrCreateSecret(dataDir: string, name: string): Promise<string> {
  const file = path.join(dataDir, name);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('base64url');
  // 'wx' fails if another process created it meanwhile; then use theirs.
  try {
    await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw err;
  }
}

const SEAL_VERSION = 'v1';

/** A 256-bit key for sealing data at rest, derived from a generated secret in DATA_DIR. */
export async function loadSealingKey(dataDir: string, name: string): Promise<Buffer> {
  const secret = await loadOrCreateSecret(dataDir, name);
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `tether ${name}`, 32));
}

/** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` is bound as associated data. */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** Throws when the data was altered, sealed for another context or with another key. */
export function unseal(key: Buffer, sealed: string, context: string): string {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== SEAL_VERSION || !iv || !tag || ct === undefined) throw new Error('not sealed data');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

/** SHA-256 as hex: how tokens and secrets are stored (never the raw value). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A test of candidates against `secret` in constant time (both sides hashed to equal length). */
export function secretMatcher(secret: string): (candidate: string | Uint8Array) => boolean {
  const wanted = createHash('sha256').update(secret).digest();
  return (candidate) => timingSafeEqual(createHash('sha256').update(candidate).digest(), wanted);
}
