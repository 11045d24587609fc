import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, hostKeyAlgorithms, keysForHost, keyTypeOf, parseKnownHosts, revokedKeys, verifyHostKey } from './known-hosts';

function blob(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, body]);
}

const keyA = blob('ssh-ed25519', randomBytes(36));
const keyB = blob('ssh-ed25519', randomBytes(36));
const rsa = blob('ssh-rsa', randomBytes(64));

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  const text = [
    '# comment',
    `example.com,192.0.2.1 ssh-ed25519 ${keyA.toString('base64')}`,
    `[example.com]:2222 ssh-ed25519 ${keyB.toString('base64')}`,
    `${hashed('[hidden.example]:2200')} ssh-rsa ${rsa.toString('base64')}`,
    `*.wild.example,!bad.wild.example ssh-ed25519 ${keyA.toString('base64')}`,
    `@revoked * ssh-ed25519 ${keyB.toString('base64')}`,
    '@cert-authority *.example ssh-ed25519 AAAA',
    'garbage',
  ].join('\n');
  const lines = parseKnownHosts(text);

  it('matches plain, [host]:port, hashed and wildcard entries; negation excludes', () => {
    expect(keysForHost(lines, 'example.com', 22).map((k) => k.key)).toEqual([keyA.toString('base64')]);
    expect(keysForHost(lines, '192.0.2.1', 22)).toHaveLength(1);
    expect(keysForHost(lines, 'example.com', 2222).map((k) => k.key)).toEqual([keyB.toString('base64')]);
    expect(keysForHost(lines, 'hidden.example', 2200).map((k) => k.type)).toEqual(['ssh-rsa']);
    expect(keysForHost(lines, 'hidden.example', 22)).toEqual([]);
    expect(keysForHost(lines, 'a.wild.example', 22)).toHaveLength(1);
    expect(keysForHost(lines, 'bad.wild.example', 22)).toHaveLength(0);
    expect(revokedKeys(lines).map((k) => k.key)).toEqual([keyB.toString('base64')]);
  });

  it('trusts a known key, flags a changed one, and never trusts a revoked one', () => {
    const known = keysForHost(lines, 'example.com', 22);
    expect(verifyHostKey(keyA, known)).toEqual({ status: 'trusted' });
    const changed = verifyHostKey(keyB, known);
    expect(changed).toMatchObject({ status: 'changed', fingerprint: fingerprintOf(keyB), knownFingerprints: [fingerprintOf(keyA)] });
    expect(verifyHostKey(keyA, [])).toMatchObject({ status: 'unknown', type: 'ssh-ed25519' });
    expect(verifyHostKey(keyB, [{ type: 'ssh-ed25519', key: keyB.toString('base64') }], revokedKeys(lines)).status).toBe('revoked');
  });

  it('prints fingerprints as ssh-keygen does and reads the key type from the blob', () => {
    expect(fingerprintOf(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(rsa)).toBe('ssh-rsa');
  });

  it('asks servers for the key types we know first', () => {
    expect(hostKeyAlgorithms([{ type: 'ssh-rsa', key: '' }, { type: 'ssh-ed25519', key: '' }, { type: 'ssh-foo', key: '' }])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});
