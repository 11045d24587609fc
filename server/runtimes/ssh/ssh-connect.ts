/**
 * Making one SSH connection for the pool: through each jump host in turn, verifying every host's
 * key against the known and revoked keys (an unknown key is offered to the user, a changed or
 * revoked one refused loudly), and authenticating with the ssh-agent, then each key.
 */
import { Client, type AgentAuthMethod, type ConnectConfig, type PublicKeyAuthMethod } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log';
import { classifySshError, SshError } from './errors';
import { hostKeyAlgorithms, verifyHostKey, type HostKeyVerdict, type KnownKey } from './known-hosts';
import type { SshEndpoint, SshTarget } from './ssh-target';

export interface SshKeyCredential {
  key: Buffer | string;
  passphrase?: string;
  /** Where the key came from (file path or "stored key"), for messages. */
  source: string;
}

export interface SshCredentials {
  /** ssh-agent socket. */
  agent?: string;
  keys: SshKeyCredential[];
  /** Encrypted identity files left out because no passphrase is known for them. */
  locked: string[];
}

export interface PoolTarget {
  userId: string;
  target: SshTarget;
  /** Called at every connect: credentials can change (a passphrase unlocked, a key replaced). */
  credentials(): Promise<SshCredentials>;
  /** Keys known for an endpoint, and revoked keys. */
  hostKeys(endpoint: SshEndpoint): Promise<{ known: KnownKey[]; revoked: KnownKey[] }>;
  /** An endpoint presented a key nothing is known about (offered to the user for acceptance). */
  unknownHostKey?(endpoint: SshEndpoint, blob: Buffer): void;
}

export interface ConnectOptions {
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  log: Logger;
}

/** The pooled connection being made: jump clients are handed to it, and closing it aborts the chain. */
export interface ConnectionInProgress {
  readonly closing: boolean;
  readonly jumpClients: Client[];
}

/** Connect through each jump host in turn, then to the target. */
export async function connect(pt: PoolTarget, conn: ConnectionInProgress, opts: ConnectOptions): Promise<Client> {
  const hops: SshEndpoint[] = [...pt.target.jumps, pt.target];
  const creds = await pt.credentials();
  let sock: Duplex | undefined;
  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i]!;
    const client = await handshake(pt, hop, creds, sock, opts);
    if (conn.closing) {
      client.end();
      throw new SshError('lost', 'connection closed while it was being made', { endpoint: endpointName(hop) });
    }
    if (i === hops.length - 1) return client;
    conn.jumpClients.push(client);
    const next = hops[i + 1]!;
    sock = await new Promise<Duplex>((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, next.host, next.port, (err, stream) =>
        err ? reject(new SshError('unreachable', `jump host ${endpointName(hop)} could not reach ${endpointName(next)}: ${err.message}`, { endpoint: endpointName(next) })) : resolve(stream),
      ),
    );
  }
  throw new Error('unreachable');
}

async function handshake(pt: PoolTarget, hop: SshEndpoint, creds: SshCredentials, sock: Duplex | undefined, opts: ConnectOptions): Promise<Client> {
  const endpoint = endpointName(hop);
  const { known, revoked } = await pt.hostKeys(hop);
  const algorithms = hostKeyAlgorithms(known);
  let verdict: HostKeyVerdict | null = null;
  const client = new Client();
  const methods: AuthStep[] = [];
  const config: ConnectConfig = {
    host: hop.host,
    port: hop.port,
    username: hop.username,
    sock,
    readyTimeout: opts.connectTimeoutMs,
    keepaliveInterval: opts.keepaliveIntervalMs,
    keepaliveCountMax: 3,
    ...(algorithms.length ? { algorithms: { serverHostKey: { prepend: algorithms } as never } } : {}),
    hostVerifier: (blob: Buffer) => {
      verdict = verifyHostKey(blob, known, revoked);
      if (verdict.status === 'unknown') pt.unknownHostKey?.(hop, blob);
      return verdict.status === 'trusted';
    },
    authHandler: (_methodsLeft, _partial, next) => next(nextAuth(hop, creds, methods) as never),
  };
  // One 'error' listener for the client's whole life: ssh2 can emit a second error after the
  // first (a failed handshake, then "Connection lost before handshake" as its socket closes),
  // and an 'error' nobody listens to is thrown — it would end the gateway.
  let failed = null as ((err: Error) => void) | null;
  client.on('error', (err) => (failed ? failed(err) : opts.log.debug('ssh client error', { host: endpoint, error: err.message })));
  try {
    await new Promise<void>((resolve, reject) => {
      failed = reject;
      client.once('ready', () => resolve());
      client.connect(config);
    });
  } catch (err) {
    client.end();
    const v = verdict as HostKeyVerdict | null;
    if (v && v.status !== 'trusted') throw hostKeyError(v, endpoint);
    const e = err as { level?: string };
    if (e.level === 'client-authentication' && creds.locked.length > 0) {
      throw new SshError('passphrase_required', `${endpoint} did not accept the keys we could use; ${creds.locked[0]} is encrypted and needs its passphrase`, {
        endpoint,
        identityFile: creds.locked[0],
      });
    }
    throw classifySshError(err, endpoint);
  }
  failed = null; // errors after 'ready' show up as 'close' too: they are only logged
  client.setNoDelay(true);
  return client;
}

/** Next auth method to try: the agent first, then each key; `false` when none is left. */
type AuthStep = AgentAuthMethod | PublicKeyAuthMethod;

function nextAuth(hop: SshEndpoint, creds: SshCredentials, tried: AuthStep[]): AuthStep | false {
  const all: AuthStep[] = [];
  if (creds.agent) all.push({ type: 'agent', username: hop.username, agent: creds.agent });
  for (const k of creds.keys) {
    all.push(k.passphrase === undefined ? { type: 'publickey', username: hop.username, key: k.key } : { type: 'publickey', username: hop.username, key: k.key, passphrase: k.passphrase });
  }
  const next = all[tried.length];
  if (!next) return false;
  tried.push(next);
  return next;
}

function hostKeyError(v: Exclude<HostKeyVerdict, { status: 'trusted' }>, endpoint: string): SshError {
  if (v.status === 'unknown') {
    return new SshError('host_key_unknown', `${endpoint} is not a known host. It presented a ${v.type} key with fingerprint ${v.fingerprint}; accept it only if that is the server's real key.`, {
      endpoint,
      fingerprint: v.fingerprint,
      keyType: v.type,
    });
  }
  if (v.status === 'revoked') {
    return new SshError('host_key_revoked', `${endpoint} presented a revoked host key (${v.fingerprint}); the connection was refused.`, { endpoint, fingerprint: v.fingerprint, keyType: v.type });
  }
  return new SshError(
    'host_key_changed',
    `WARNING: the host key of ${endpoint} has CHANGED. It now presents ${v.type} ${v.fingerprint}, but ${v.knownFingerprints.join(', ')} is known. Someone may be intercepting the connection, or the server was reinstalled. The connection was refused; remove the old key only if you know why it changed.`,
    { endpoint, fingerprint: v.fingerprint, keyType: v.type, knownFingerprints: v.knownFingerprints },
  );
}

export function endpointName(e: Pick<SshEndpoint, 'host' | 'port' | 'username'>): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.username}@${host}:${e.port}`;
}
