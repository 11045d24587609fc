/**
 * Test fixture: a real, throwaway OpenSSH server (/usr/sbin/sshd) on a free loopback port, for
 * tests of the SSH runtime against the genuine protocol, auth, PTY, SFTP and forwarding behaviour.
 *
 * Everything sshd reads (config, host key, authorized_keys) lives in one temp dir. sshd never runs
 * as root: when we are root it runs as the unprivileged user `tether-ssh` (created if missing) with
 * primary group `tty` (without it, PTY requests fail: a non-root sshd must own the pts' group), and
 * that is the only user it can log in; otherwise it runs as, and logs in, the current user.
 *
 * Killing: with -D each connection is served by a forked sshd that calls setsid(), so neither
 * killing the listener nor its process group ends existing sessions. stop() therefore walks the
 * process tree under the listener in /proc, freezes it (SIGSTOP, so nothing can fork a new
 * connection meanwhile), then SIGTERMs everything, SIGKILLing whatever is left after 2 s.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { alive, withDescendants } from '../os/processes';
import { freePort } from './free-port';

export interface TestSshd {
  readonly host: string;
  readonly port: number;
  /** Login user name. */
  readonly user: string;
  /** The fixture's temp dir. */
  readonly dir: string;
  /** Unencrypted ed25519 OpenSSH private key (authorized). */
  readonly clientKey: Buffer;
  readonly clientKeyPath: string;
  /** A second authorized ed25519 key, encrypted with `passphrase`. */
  readonly encryptedKey: Buffer;
  readonly encryptedKeyPath: string;
  readonly passphrase: string;
  /** A key that is NOT authorized (for auth-failure tests). */
  readonly strangerKey: Buffer;
  /** Current host key: its public line ("ssh-ed25519 AAAA...") and fingerprint "SHA256:<base64 no padding>" (as `ssh-keygen -lf` prints). */
  hostKeyLine(): string;
  hostKeyFingerprint(): string;
  /** A fresh directory owned by the login user, for a remote workspace root; absolute path. */
  makeRemoteDir(name?: string): Promise<string>;
  /** Everything sshd printed so far (across restarts). */
  log(): string;
  /** Number of "Accepted publickey for" lines in the log (one per completed handshake+auth). */
  acceptedLogins(): number;
  /** Stop sshd and all its connection/session processes; the port refuses connections when this resolves. Idempotent. */
  stop(): Promise<void>;
  /** Start again on the SAME port with the same keys (after stop). */
  start(): Promise<void>;
  /** Replace the host key with a new one and restart (simulates a changed host key). */
  rotateHostKey(): Promise<void>;
  /** stop() and remove the temp dir. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
const TEST_USER = 'tether-ssh';
const READY_TIMEOUT_MS = 10_000;
const TERM_GRACE_MS = 2_000;
/** sshd needs nothing from our environment (it builds session environments itself). */
const SSHD_ENV: Record<string, string> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

const run = promisify(execFile);

/** The uid/gid sshd is spawned with; absent when we are not root and sshd runs as ourselves. */
type Ids = { uid: number; gid: number } | undefined;

/** `setEnv`: sshd_config SetEnv for every session (e.g. a PATH without node). */
export async function startSshd(opts: { maxSessions?: number; setEnv?: Record<string, string> } = {}): Promise<TestSshd> {
  const root = process.getuid?.() === 0;
  const ids: Ids = root ? { uid: await ensureTestUser(), gid: await groupId('tty') } : undefined;
  const user = root ? TEST_USER : os.userInfo().username;
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tether-sshd-')));
  try {
    await Promise.all(['keys', 'remote'].map((sub) => mkdir(path.join(dir, sub))));
    const key = (name: string) => path.join(dir, 'keys', name);
    const passphrase = 'tether-test-passphrase';
    await Promise.all([
      keygen(key('host')),
      keygen(key('client')),
      keygen(key('encrypted'), passphrase),
      keygen(key('stranger')),
    ]);
    const authorized = await Promise.all(['client.pub', 'encrypted.pub'].map((f) => readFile(key(f), 'utf8')));
    await writeFile(key('authorized_keys'), authorized.join(''));
    const sshd = new Sshd(dir, user, ids, opts.maxSessions ?? 50, await hasPerSourcePenalties(), opts.setEnv ?? {}, {
      clientKeyPath: key('client'),
      clientKey: await readFile(key('client')),
      encryptedKeyPath: key('encrypted'),
      encryptedKey: await readFile(key('encrypted')),
      passphrase,
      strangerKey: await readFile(key('stranger')),
    });
    await sshd.loadHostKey();
    await chownToUser(dir, ids);
    // A port picked by listening on :0 can be taken again before sshd binds it; then pick another.
    for (let attempt = 1; ; attempt++) {
      sshd.port = await freePort();
      try {
        await sshd.start();
        return sshd;
      } catch (err) {
        if (attempt >= 5 || !/Address already in use/.test(String(err))) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface ClientKeys {
  clientKey: Buffer;
  clientKeyPath: string;
  encryptedKey: Buffer;
  encryptedKeyPath: string;
  passphrase: string;
  strangerKey: Buffer;
}

class Sshd implements TestSshd {
  readonly host = HOST;
  port = 0;
  readonly clientKey: Buffer;
  readonly clientKeyPath: string;
  readonly encryptedKey: Buffer;
  readonly encryptedKeyPath: string;
  readonly passphrase: string;
  readonly strangerKey: Buffer;
  private hostLine = '';
  private hostFingerprint = '';
  private logText = '';
  /** The running listener: its pid and a promise that settles when it has exited. */
  private proc: { pid: number; exited: Promise<void> } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly user: string,
    private readonly ids: Ids,
    private readonly maxSessions: number,
    private readonly perSourcePenalties: boolean,
    private readonly setEnv: Record<string, string>,
    keys: ClientKeys,
  ) {
    this.clientKey = keys.clientKey;
    this.clientKeyPath = keys.clientKeyPath;
    this.encryptedKey = keys.encryptedKey;
    this.encryptedKeyPath = keys.encryptedKeyPath;
    this.passphrase = keys.passphrase;
    this.strangerKey = keys.strangerKey;
  }

  hostKeyLine(): string {
    return this.hostLine;
  }
  hostKeyFingerprint(): string {
    return this.hostFingerprint;
  }
  log(): string {
    return this.logText;
  }
  acceptedLogins(): number {
    return this.logText.match(/Accepted publickey for /g)?.length ?? 0;
  }

  async makeRemoteDir(name = 'workspace'): Promise<string> {
    const remote = await mkdtemp(path.join(this.dir, 'remote', `${name}-`));
    await chownToUser(remote, this.ids);
    return remote;
  }

  async start(): Promise<void> {
    await this.stopping;
    if (this.proc) return;
    await writeFile(this.file('sshd_config'), this.config());
    await chownToUser(this.file('sshd_config'), this.ids);
    this.proc = await this.launch();
    this.stopping = undefined;
  }

  stop(): Promise<void> {
    const proc = this.proc;
    if (proc) {
      this.proc = undefined;
      this.stopping = killTree(proc.pid).then(() => proc.exited);
    }
    return this.stopping ?? Promise.resolve();
  }

  async rotateHostKey(): Promise<void> {
    await this.stop();
    const hostKey = this.file('host');
    await rm(hostKey, { force: true });
    await rm(`${hostKey}.pub`, { force: true });
    await keygen(hostKey);
    await chownToUser(path.dirname(hostKey), this.ids);
    await this.loadHostKey();
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async loadHostKey(): Promise<void> {
    const pub = `${this.file('host')}.pub`;
    this.hostLine = (await readFile(pub, 'utf8')).split(' ').slice(0, 2).join(' ');
    this.hostFingerprint = await fingerprint(pub);
  }

  private file(name: string): string {
    return path.join(this.dir, 'keys', name);
  }

  private config(): string {
    return [
      `ListenAddress ${HOST}`,
      `Port ${this.port}`,
      `HostKey ${this.file('host')}`,
      `PidFile ${this.file('sshd.pid')}`,
      `AuthorizedKeysFile ${this.file('authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      `MaxSessions ${this.maxSessions}`,
      // Tests open many connections at once; the default 10:30:100 randomly drops some before auth.
      'MaxStartups 200',
      // VERBOSE logs each login as "Accepted publickey for ...", which acceptedLogins() counts.
      'LogLevel VERBOSE',
      'AllowTcpForwarding yes',
      'PermitTTY yes',
      'ClientAliveInterval 0',
      // Keep PTY output to what the session itself prints.
      'PrintMotd no',
      'PrintLastLog no',
      // OpenSSH >= 9.8 would refuse 127.0.0.1 for a while after auth failures or dropped connections.
      ...(this.perSourcePenalties ? ['PerSourcePenalties no'] : []),
      ...Object.entries(this.setEnv).map(([k, v]) => `SetEnv ${k}=${v}`),
      '',
    ].join('\n');
  }

  /** Spawn sshd and resolve once it listens; reject (with its log) if it exits or times out first. */
  private launch(): Promise<{ pid: number; exited: Promise<void> }> {
    const child = spawn(SSHD, ['-f', this.file('sshd_config'), '-D', '-e'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: SSHD_ENV as NodeJS.ProcessEnv,
      uid: this.ids?.uid,
      gid: this.ids?.gid,
    });
    // 'exit', not 'close': connection children inherit stdout/stderr and keep them open.
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const from = this.logText.length;
    const ready = `Server listening on ${HOST} port ${this.port}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const error = () => new Error(`sshd ${why}; its log:\n${this.logText.slice(from)}`);
        if (child.pid === undefined) reject(error());
        else void killTree(child.pid).then(() => exited).then(() => reject(error()));
      };
      const timer = setTimeout(() => fail(`did not listen within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
      const onData = (chunk: string) => {
        this.logText += chunk;
        if (settled || !this.logText.includes(ready, from)) return;
        settled = true;
        clearTimeout(timer);
        resolve({ pid: child.pid!, exited });
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.once('error', (err) => fail(`failed to start (${err.message})`));
      child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`));
      if (child.pid !== undefined) {
        running.add(child.pid);
        void exited.then(() => running.delete(child.pid!));
      }
    });
  }
}

/** Listeners of fixtures not stopped yet; killed (with their sessions) if the test process exits first. */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) for (const p of withDescendants([pid])) signal(p, 'SIGKILL');
});

/** Uid of the test user, creating it if missing (another test worker may be creating it right now). */
async function ensureTestUser(): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return Number((await run('id', ['-u', TEST_USER])).stdout.trim());
    } catch {
      try {
        await run('useradd', ['-m', '-s', '/bin/bash', TEST_USER]);
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(200);
      }
    }
  }
}

async function groupId(group: string): Promise<number> {
  const { stdout } = await run('getent', ['group', group]);
  return Number(stdout.split(':')[2]);
}

/** Hand `p` (recursively) to the test user, so the unprivileged sshd can read and use it. */
async function chownToUser(p: string, ids: Ids): Promise<void> {
  if (ids) await run('chown', ['-R', String(ids.uid), p]);
}

async function keygen(file: string, passphrase = ''): Promise<void> {
  await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'tether-test', '-f', file]);
}

/** "SHA256:..." as `ssh-keygen -lf` prints it: "256 SHA256:... comment (ED25519)". */
async function fingerprint(pubFile: string): Promise<string> {
  const { stdout } = await run(SSH_KEYGEN, ['-lf', pubFile]);
  return stdout.split(' ')[1]!;
}

/** OpenSSH 9.8 added PerSourcePenalties; older versions reject the keyword. */
async function hasPerSourcePenalties(): Promise<boolean> {
  // Versions without -V print it in their usage message and exit non-zero; the error carries it.
  const { stdout, stderr } = await run(SSHD, ['-V']).catch((err: { stdout: string; stderr: string }) => err);
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(stdout + stderr);
  const [major, minor] = [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  return major > 9 || (major === 9 && minor >= 8);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Terminate `root` and every process under it (see the header comment). */
async function killTree(root: number): Promise<void> {
  const frozen = new Set<number>();
  for (;;) {
    const fresh = withDescendants([root]).filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  for (const pid of frozen) signal(pid, 'SIGTERM');
  for (const pid of frozen) signal(pid, 'SIGCONT');
  if (await allGone(frozen, TERM_GRACE_MS)) return;
  for (const pid of frozen) signal(pid, 'SIGKILL');
  if (!(await allGone(frozen, TERM_GRACE_MS))) throw new Error(`sshd processes survived SIGKILL: ${[...frozen]}`);
}

async function allGone(pids: Set<number>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) {
    if (alive([...pids]).length === 0) return true;
  }
  return false;
}
