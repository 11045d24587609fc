/**
 * Host key verification against OpenSSH known_hosts files and Tether's own store of keys that a
 * user accepted (trust on first use). Understands plain and hashed (`|1|salt|hash`) host fields,
 * `[host]:port` for non-default ports, comma-separated patterns with `*`/`?` wildcards and `!`
 * negation, and the `@revoked` marker. `@cert-authority` lines are ignored (no certificate support).
 *
 * A presented key is `trusted` when a line for the host carries exactly that key, `changed` when
 * the host has known keys but none of them is this one (never accepted silently), `revoked` when a
 * `@revoked` line names it, and `unknown` when nothing is known about the host.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownKey {
  /** Key type as written in the key blob (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`…). */
  type: string;
  /** The key blob, base64. */
  key: string;
}

export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown'; fingerprint: string; type: string }
  | { status: 'changed'; fingerprint: string; type: string; knownFingerprints: string[] }
  | { status: 'revoked'; fingerprint: string; type: string };

interface KnownHostsLine {
  marker: 'revoked' | 'cert-authority' | null;
  /** Plain patterns, or one hashed entry. */
  patterns: string[];
  hashed: { salt: Buffer; hash: Buffer } | null;
  key: KnownKey;
}

/** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type is the first length-prefixed string of the blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/** The name a host has in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostField(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

export function parseKnownHosts(text: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsLine['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key) continue;
    let hashed: KnownHostsLine['hashed'] = null;
    let patterns: string[] = [];
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) continue;
      hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      patterns = hosts.split(',');
    }
    out.push({ marker, patterns, hashed, key: { type, key } });
  }
  return out;
}

function lineMatchesHost(line: KnownHostsLine, name: string): boolean {
  if (line.hashed) {
    return createHmac('sha1', line.hashed.salt).update(name).digest().equals(line.hashed.hash);
  }
  let matched = false;
  for (const p of line.patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) matched = true;
  }
  return matched;
}

/** Keys a set of known_hosts lines holds for `host:port` (revoked and CA lines excluded). */
export function keysForHost(lines: readonly KnownHostsLine[], host: string, port: number): KnownKey[] {
  const name = hostField(host, port);
  return lines.filter((l) => l.marker === null && lineMatchesHost(l, name)).map((l) => l.key);
}

export function verifyHostKey(
  blob: Buffer,
  known: readonly KnownKey[],
  revoked: readonly KnownKey[] = [],
): HostKeyVerdict {
  const fingerprint = fingerprintOf(blob);
  const type = keyTypeOf(blob);
  const b64 = blob.toString('base64');
  if (revoked.some((k) => k.key === b64)) return { status: 'revoked', fingerprint, type };
  if (known.some((k) => k.key === b64)) return { status: 'trusted' };
  if (known.length === 0) return { status: 'unknown', fingerprint, type };
  return {
    status: 'changed',
    fingerprint,
    type,
    knownFingerprints: known.map((k) => fingerprintOf(Buffer.from(k.key, 'base64'))),
  };
}

/** Revoked keys in a set of lines (they apply to every host). */
export function revokedKeys(lines: readonly KnownHostsLine[]): KnownKey[] {
  return lines.filter((l) => l.marker === 'revoked').map((l) => l.key);
}

/**
 * Host-key algorithms to offer, known types first: a server that has a key we know then presents
 * that one, so "a different key" really means the key changed rather than that the server picked
 * another of its keys.
 */
export function hostKeyAlgorithms(known: readonly KnownKey[]): string[] {
  const order: string[] = [];
  for (const k of known) {
    const algs = k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type];
    for (const a of algs) if (SUPPORTED_HOST_KEY_ALGORITHMS.has(a) && !order.includes(a)) order.push(a);
  }
  return order;
}

/** What ssh2 can negotiate (it throws on names outside this list). */
const SUPPORTED_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]);
