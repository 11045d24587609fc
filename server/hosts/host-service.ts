/**
 * SSH hosts of each user (database), the keys they trust, and the credentials used to log in.
 *
 * - A host is added by `user@host[:port]` or by an alias of this server's OpenSSH client config;
 *   the config (HostName, User, Port, IdentityFile, ProxyJump) is resolved when the host is added.
 * - Auth `local` uses this server's ssh-agent and identity files (~/.ssh of the account running
 *   Tether) and is for admins only: those keys are the operator's. Auth `key` uses a private key
 *   the user gave us, sealed at rest (AES-256-GCM, key in DATA_DIR). Passphrases of encrypted
 *   identity files are kept in memory only, per user, once the user has typed them.
 * - Host keys are checked against this server's known_hosts and the keys the user accepted. An
 *   unknown key is remembered (not trusted) so that the user can accept it by its fingerprint.
 */
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import { randomId } from '../../lib/shared/ids';
import type { DatabaseHandle } from '../db/database';
import { seal, unseal } from '../secrets';
import { fingerprintOf, keysForHost, keyTypeOf, parseKnownHosts, revokedKeys, type KnownKey } from '../runtimes/ssh/known-hosts';
import { cleanLimits, type SessionLimits } from '../runtimes/limits';
import type { PoolTarget, SshCredentials, SshKeyCredential } from '../runtimes/ssh/pool';
import type { RunnerMode, RunnerStatus } from '../runtimes/ssh/runner-service';
import { resolveTarget, type SshEndpoint, type SshTarget } from '../runtimes/ssh/ssh-target';
import { TetherError } from '../errors';

// ssh2 is CommonJS: Node's ESM loader sees `Client` as a named export but not `utils`.
const sshUtils = ssh2.utils;

export type SshAuthMode = 'local' | 'key';

export interface SshHost {
  id: string;
  userId: string;
  name: string;
  spec: string;
  target: SshTarget;
  auth: SshAuthMode;
  createdAt: number;
  runner: { mode: RunnerMode; limits: SessionLimits; status: RunnerStatus | null };
}

const HOST_NAME_PATTERN = /^[A-Za-z0-9._@:[\]-]{1,100}$/;
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const MAX_KEY_BYTES = 16 * 1024;
/** Unknown keys offered for acceptance expire after this long. */
const PENDING_KEY_MS = 15 * 60_000;

export interface SshHostServiceOptions {
  dbh: DatabaseHandle;
  /** Key sealing stored private keys. */
  sealingKey: Buffer;
  /** This server's ~/.ssh: config, known_hosts, identity files. */
  sshDir: string;
  /** ssh-agent socket for `local` auth. */
  agentSocket?: string;
  /** Login name when neither the spec nor the config gives one. */
  defaultUser: string;
}

interface Row {
  id: string;
  userId: string;
  name: string;
  spec: string;
  host: string;
  port: number;
  username: string;
  jumps: string;
  identityFiles: string;
  auth: SshAuthMode;
  createdAt: number;
  runnerMode: RunnerMode;
  runnerLimits: string;
  runnerStatus: string | null;
}

export class SshHostService {
  /** `${userId}|${path}` → passphrase typed by that user (memory only). */
  private readonly passphrases = new Map<string, string>();
  /** `${userId}|${host}:${port}` → key presented by an unknown host, offered for acceptance. */
  private readonly pending = new Map<string, { key: KnownKey; fingerprint: string; at: number }>();
  private knownHostsCache: { mtimeMs: number; lines: ReturnType<typeof parseKnownHosts> } | null = null;

  constructor(private readonly opts: SshHostServiceOptions) {}

  private get db() {
    return this.opts.dbh.db;
  }

  private get t() {
    return this.opts.dbh.t;
  }

  async list(userId: string): Promise<SshHost[]> {
    return (await this.rows(eq(this.t.sshHosts.userId, userId))).map(toHost);
  }

  async get(userId: string, id: string): Promise<SshHost | null> {
    const { sshHosts } = this.t;
    const [row] = await this.rows(and(eq(sshHosts.userId, userId), eq(sshHosts.id, id)));
    return row ? toHost(row) : null;
  }

  /** Look a host up by id alone (the runtime factory; the workspace row already proved ownership). */
  async byId(id: string): Promise<SshHost | null> {
    const [row] = await this.rows(eq(this.t.sshHosts.id, id));
    return row ? toHost(row) : null;
  }

  async configText(): Promise<string> {
    return readFile(path.join(this.opts.sshDir, 'config'), 'utf8').catch(() => '');
  }

  async add(
    user: { id: string; role: string },
    input: { spec: string; name?: string; auth: SshAuthMode; privateKey?: string; passphrase?: string },
  ): Promise<SshHost> {
    if (input.auth === 'local' && user.role !== 'admin') {
      throw new TetherError('forbidden', "only an admin can use this server's own SSH keys and agent; add a private key for the host instead");
    }
    const target = resolveTarget(input.spec, { configText: user.role === 'admin' ? await this.configText() : '', home: path.dirname(this.opts.sshDir), defaultUser: this.opts.defaultUser });
    const name = (input.name ?? input.spec).trim();
    if (!HOST_NAME_PATTERN.test(name)) throw new TetherError('bad_request', 'host names use letters, digits and . _ - @ : [ ] (1–100 characters)');
    const { sshHosts } = this.t;
    if ((await this.rows(and(eq(sshHosts.userId, user.id), eq(sshHosts.name, name)))).length) {
      throw new TetherError('conflict', `you already have a host named "${name}"`);
    }
    let sealedKey: string | null = null;
    const id = randomId();
    if (input.auth === 'key') {
      if (!input.privateKey) throw new TetherError('bad_request', 'paste the private key to use for this host');
      if (input.privateKey.length > MAX_KEY_BYTES) throw new TetherError('bad_request', 'that private key is too large');
      const parsed = sshUtils.parseKey(input.privateKey, input.passphrase);
      if (parsed instanceof Error) {
        const encrypted = /passphrase|encrypted|bad decrypt/i.test(parsed.message);
        throw new TetherError('bad_request', encrypted ? (input.passphrase ? 'the passphrase does not open this key' : 'this key is encrypted: give its passphrase') : `not a private key we can read: ${parsed.message}`);
      }
      const one = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!one || !one.isPrivateKey()) throw new TetherError('bad_request', 'that is a public key; paste the private key');
      sealedKey = seal(this.opts.sealingKey, JSON.stringify({ key: input.privateKey, passphrase: input.passphrase ?? null }), `ssh-host:${id}`);
    }
    const row = {
      id,
      userId: user.id,
      name,
      spec: input.spec.trim(),
      host: target.host,
      port: target.port,
      username: target.username,
      jumps: JSON.stringify(target.jumps),
      identityFiles: JSON.stringify(target.identityFiles),
      auth: input.auth,
      sealedKey,
      createdAt: Date.now(),
      runnerMode: 'auto' as const,
      runnerLimits: '{}',
      runnerStatus: null,
    };
    await this.db.insert(sshHosts).values(row);
    return toHost(row);
  }

  async remove(userId: string, id: string): Promise<void> {
    const { sshHosts } = this.t;
    const gone = await this.db.delete(sshHosts).where(and(eq(sshHosts.userId, userId), eq(sshHosts.id, id))).returning({ id: sshHosts.id });
    if (gone.length === 0) throw new TetherError('not_found', 'no such host');
  }

  /** How the host runs terminals, and their resource limits (the runner applies them). */
  async setRunner(userId: string, id: string, mode: RunnerMode, limits: SessionLimits): Promise<SshHost> {
    const { sshHosts } = this.t;
    const changed = await this.db
      .update(sshHosts)
      .set({ runnerMode: mode, runnerLimits: JSON.stringify(cleanLimits(limits)) })
      .where(and(eq(sshHosts.userId, userId), eq(sshHosts.id, id)))
      .returning({ id: sshHosts.id });
    if (changed.length === 0) throw new TetherError('not_found', 'no such host');
    return (await this.get(userId, id))!;
  }

  /** The last runner outcome on a host (written by the runner service). */
  async recordRunnerStatus(id: string, status: RunnerStatus): Promise<void> {
    const { sshHosts } = this.t;
    await this.db.update(sshHosts).set({ runnerStatus: JSON.stringify(status) }).where(eq(sshHosts.id, id));
  }

  /** Remember the passphrase of an identity file for this user (memory only). */
  async unlockIdentity(userId: string, file: string, passphrase: string): Promise<void> {
    const data = await readFile(file).catch(() => null);
    if (!data) throw new TetherError('not_found', `${file} cannot be read`);
    const parsed = sshUtils.parseKey(data, passphrase);
    if (parsed instanceof Error) throw new TetherError('bad_request', `the passphrase does not open ${file}`);
    this.passphrases.set(`${userId}|${file}`, passphrase);
  }

  /** Accept the key an unknown host presented, if it still has the fingerprint the user saw. */
  async trustHostKey(userId: string, endpoint: Pick<SshEndpoint, 'host' | 'port'>, fingerprint: string): Promise<void> {
    const k = `${userId}|${endpoint.host}:${endpoint.port}`;
    const p = this.pending.get(k);
    if (!p || Date.now() - p.at > PENDING_KEY_MS) throw new TetherError('not_found', 'no key from that host is waiting to be accepted; test the host again');
    if (p.fingerprint !== fingerprint) throw new TetherError('conflict', `the host presented ${p.fingerprint}, not ${fingerprint}; nothing was accepted`);
    await this.db
      .insert(this.t.sshKnownHosts)
      .values({ userId, host: endpoint.host, port: endpoint.port, keyType: p.key.type, key: p.key.key, createdAt: Date.now() })
      .onConflictDoNothing();
    this.pending.delete(k);
  }

  /** Forget the keys this user accepted for a host (after a known, legitimate key change). */
  async forgetHostKeys(userId: string, endpoint: Pick<SshEndpoint, 'host' | 'port'>): Promise<number> {
    const { sshKnownHosts } = this.t;
    const gone = await this.db
      .delete(sshKnownHosts)
      .where(and(eq(sshKnownHosts.userId, userId), eq(sshKnownHosts.host, endpoint.host), eq(sshKnownHosts.port, endpoint.port)))
      .returning({ key: sshKnownHosts.key });
    return gone.length;
  }

  /** What the pool needs to reach a host for its user. */
  poolTarget(host: SshHost): PoolTarget {
    return {
      userId: host.userId,
      target: host.target,
      credentials: () => this.credentials(host),
      hostKeys: (endpoint) => this.hostKeys(host.userId, endpoint),
      unknownHostKey: (endpoint, blob) => {
        this.pending.set(`${host.userId}|${endpoint.host}:${endpoint.port}`, {
          key: { type: keyTypeOf(blob), key: blob.toString('base64') },
          fingerprint: fingerprintOf(blob),
          at: Date.now(),
        });
      },
    };
  }

  private async hostKeys(userId: string, endpoint: SshEndpoint): Promise<{ known: KnownKey[]; revoked: KnownKey[] }> {
    const fileLines = await this.knownHostsFile();
    const { sshKnownHosts } = this.t;
    const stored = await this.db
      .select({ type: sshKnownHosts.keyType, key: sshKnownHosts.key })
      .from(sshKnownHosts)
      .where(and(eq(sshKnownHosts.userId, userId), eq(sshKnownHosts.host, endpoint.host), eq(sshKnownHosts.port, endpoint.port)));
    return { known: [...keysForHost(fileLines, endpoint.host, endpoint.port), ...stored], revoked: revokedKeys(fileLines) };
  }

  private async knownHostsFile(): Promise<ReturnType<typeof parseKnownHosts>> {
    const file = path.join(this.opts.sshDir, 'known_hosts');
    const s = await stat(file).catch(() => null);
    if (!s) return [];
    if (this.knownHostsCache?.mtimeMs !== s.mtimeMs) {
      this.knownHostsCache = { mtimeMs: s.mtimeMs, lines: parseKnownHosts(await readFile(file, 'utf8').catch(() => '')) };
    }
    return this.knownHostsCache.lines;
  }

  private async credentials(host: SshHost): Promise<SshCredentials> {
    if (host.auth === 'key') {
      const { sshHosts } = this.t;
      const [row] = await this.db.select({ sealedKey: sshHosts.sealedKey }).from(sshHosts).where(eq(sshHosts.id, host.id));
      if (!row?.sealedKey) return { keys: [], locked: [] };
      const { key, passphrase } = JSON.parse(unseal(this.opts.sealingKey, row.sealedKey, `ssh-host:${host.id}`)) as { key: string; passphrase: string | null };
      return { keys: [{ key, ...(passphrase ? { passphrase } : {}), source: 'stored key' }], locked: [] };
    }
    const files = host.target.identityFiles.length ? host.target.identityFiles : DEFAULT_IDENTITIES.map((f) => path.join(this.opts.sshDir, f));
    const keys: SshKeyCredential[] = [];
    const locked: string[] = [];
    for (const file of files) {
      const data = await readFile(file).catch(() => null);
      if (!data) continue;
      const plain = sshUtils.parseKey(data);
      if (!(plain instanceof Error)) {
        keys.push({ key: data, source: file });
        continue;
      }
      const passphrase = this.passphrases.get(`${host.userId}|${file}`);
      if (passphrase !== undefined) keys.push({ key: data, passphrase, source: file });
      else if (/passphrase|encrypted/i.test(plain.message)) locked.push(file);
    }
    return { ...(this.opts.agentSocket ? { agent: this.opts.agentSocket } : {}), keys, locked };
  }

  private async rows(where: SQL | undefined): Promise<Row[]> {
    const { sshHosts } = this.t;
    return this.db
      .select({
        id: sshHosts.id,
        userId: sshHosts.userId,
        name: sshHosts.name,
        spec: sshHosts.spec,
        host: sshHosts.host,
        port: sshHosts.port,
        username: sshHosts.username,
        jumps: sshHosts.jumps,
        identityFiles: sshHosts.identityFiles,
        auth: sshHosts.auth,
        createdAt: sshHosts.createdAt,
        runnerMode: sshHosts.runnerMode,
        runnerLimits: sshHosts.runnerLimits,
        runnerStatus: sshHosts.runnerStatus,
      })
      .from(sshHosts)
      .where(where)
      .orderBy(asc(sshHosts.createdAt));
  }
}

function toHost(r: Row): SshHost {
  return {
    id: r.id,
    userId: r.userId,
    name: r.name,
    spec: r.spec,
    target: { host: r.host, port: r.port, username: r.username, jumps: JSON.parse(r.jumps) as SshEndpoint[], identityFiles: JSON.parse(r.identityFiles) as string[] },
    auth: r.auth,
    createdAt: r.createdAt,
    runner: { mode: r.runnerMode, limits: parseJson<SessionLimits>(r.runnerLimits) ?? {}, status: parseJson<RunnerStatus>(r.runnerStatus) },
  };
}

function parseJson<T>(text: string | null): T | null {
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

