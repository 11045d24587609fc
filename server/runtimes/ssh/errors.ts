/**
 * Why an SSH connection could not be made or was lost, in words a user can act on. The kind is
 * stable for code (tests, the UI's choice of prompt); the message is for people.
 */
import { RuntimeError } from '../runtime';

export type SshFailureKind =
  | 'host_key_unknown'
  | 'host_key_changed'
  | 'host_key_revoked'
  | 'auth_failed'
  | 'passphrase_required'
  | 'unreachable'
  | 'refused'
  | 'timeout'
  | 'lost'
  | 'protocol';

export interface SshFailureDetail {
  /** host:port the failure concerns (a jump host, possibly). */
  endpoint: string;
  /** Host key prompts and warnings carry what the server presented. */
  fingerprint?: string;
  keyType?: string;
  knownFingerprints?: string[];
  /** Encrypted identity file that needs a passphrase. */
  identityFile?: string;
}

export class SshError extends RuntimeError {
  constructor(
    readonly kind: SshFailureKind,
    message: string,
    readonly detail: SshFailureDetail,
  ) {
    super('unavailable', message);
  }
}

/** Classify an ssh2 / socket error (host key and passphrase failures are raised by us, not here). */
export function classifySshError(err: unknown, endpoint: string): SshError {
  if (err instanceof SshError) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-authentication') {
    return new SshError('auth_failed', `${endpoint} refused every key we offered (authentication failed)`, { endpoint });
  }
  if (e?.code === 'ECONNREFUSED') return new SshError('refused', `${endpoint} refused the connection (is sshd running on that port?)`, { endpoint });
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return new SshError('unreachable', `${endpoint}: the host name does not resolve`, { endpoint });
  if (e?.code === 'EHOSTUNREACH' || e?.code === 'ENETUNREACH') return new SshError('unreachable', `${endpoint} is unreachable from this server`, { endpoint });
  if (e?.code === 'ETIMEDOUT' || /timed out/i.test(msg)) return new SshError('timeout', `${endpoint} did not answer in time`, { endpoint });
  if (e?.code === 'ECONNRESET' || e?.code === 'EPIPE') return new SshError('lost', `the connection to ${endpoint} was reset`, { endpoint });
  return new SshError('protocol', `SSH to ${endpoint} failed: ${msg}`, { endpoint });
}
