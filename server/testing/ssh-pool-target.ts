/** A PoolTarget for a test sshd without a database: its client key, and its host key trusted. */
import { fingerprintOf } from '../runtimes/ssh/known-hosts';
import type { PoolTarget, SshCredentials } from '../runtimes/ssh/pool';
import type { SshEndpoint } from '../runtimes/ssh/ssh-target';
import type { TestSshd } from './sshd';

export function testPoolTarget(
  sshd: TestSshd,
  opts: { userId?: string; trusted?: boolean; credentials?: () => Promise<SshCredentials>; jumps?: SshEndpoint[] } = {},
): PoolTarget & { unknownKeys: string[] } {
  const unknownKeys: string[] = [];
  // The key known now: after sshd.rotateHostKey() the server presents another one.
  const [type, key] = sshd.hostKeyLine().split(' ');
  return {
    userId: opts.userId ?? 'u1',
    target: { host: sshd.host, port: sshd.port, username: sshd.user, identityFiles: [], jumps: opts.jumps ?? [] },
    credentials: opts.credentials ?? (async () => ({ keys: [{ key: sshd.clientKey, source: 'test key' }], locked: [] })),
    hostKeys: async () => (opts.trusted === false ? { known: [], revoked: [] } : { known: [{ type: type!, key: key! }], revoked: [] }),
    unknownHostKey: (_e, blob) => unknownKeys.push(fingerprintOf(blob)),
    unknownKeys,
  };
}
