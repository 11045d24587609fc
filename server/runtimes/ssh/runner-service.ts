/**
 * The SSH runner: the worker agent deployed to a user's server, so that its terminals live in a
 * daemon there instead of in SSH channels — a dropped connection no longer ends them.
 *
 * Per (Tether user, host) one HostRunner holds one AgentClient whose link is an exec channel on
 * the pooled connection running `node <artifact> bridge` (stdin/stdout ↔ the daemon's Unix
 * socket; no port forwarding, nothing listening on the network). Connecting:
 *
 * 1. launch: one exec that checks the cached artifact's SHA-256 on the host
 *    (`~/.cache/tether/runner-<version>-<digest16>.js`) and only then runs it. The bridge
 *    announces itself with one `TETHER-RUNNER <version>` record.
 * 2. if the artifact is missing or its digest differs (exit 91): probe the host's node (version,
 *    N-API, platform, arch), read the artifact back from DATA_DIR checking digest and signature,
 *    upload it over SFTP (temp name, then rename) with its .sig.json, and launch again.
 * 3. without a usable node (exit 90, or the probe says too old / another platform) the runner
 *    is unavailable on that host, with the reason: `auto` falls back to direct SSH.
 *
 * After a drop the AgentClient dials again at once through the pool (which also dials again at
 * once after losing a connection that carried channels; backoff only after failed attempts),
 * claims its place on the daemon (closing a half-open link of ours the host still holds), binds
 * the workspaces again and re-attaches every terminal by offset. Nothing here waits on purpose.
 */
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { Logger } from '../../log';
import type { LimitsPlan, SessionLimits } from '../limits';
import { AgentBindings } from '../agent/agent-bindings';
import { AgentClient } from '../agent/agent-client';
import { FramedStream } from '../agent/framed-stream';
import { RUNNER_NAPI_MIN, RUNNER_NODE_MIN_MAJOR, runnerArtifact, verifiedArtifactBytes, type RunnerArtifact } from '../agent/runner-artifact';
import { RuntimeError } from '../runtime';
import { endpointName, type PoolTarget, type SshPool } from './pool';
import { call } from './sftp-fs';
import { openExec, runLine, shellQuote as q } from './ssh-exec';

export type RunnerMode = 'auto' | 'always' | 'never';
export const RUNNER_MODES: readonly RunnerMode[] = ['auto', 'always', 'never'];

export interface RunnerStatus {
  /** `runner`: terminals run in the runner; `direct`: direct SSH (mode never, or fallback);
   * `failed`: mode always and the runner could not start. */
  state: 'runner' | 'direct' | 'failed';
  /** Why direct or failed. */
  reason?: string;
  version?: string;
  digest?: string;
  /** This connect uploaded the artifact (first use, or a changed file replaced). */
  uploaded?: boolean;
  /** Why an existing artifact on the host was replaced. */
  replaced?: string;
  /** Time to a usable runner link, ms (including any upload). */
  connectMs?: number;
  node?: string;
  limits?: Omit<LimitsPlan, 'wrap'>;
  at: number;
}

/** The runner cannot run on this host (no node, too old, another platform): fall back or fail. */
export class RunnerUnavailableError extends RuntimeError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

const EXIT_NO_NODE = 90;
const EXIT_ARTIFACT = 91;
/** runner-main.ts: the host's node is older than the runner needs. */
const EXIT_NODE_TOO_OLD = 92;
const LAUNCH_TIMEOUT_MS = 20_000;
const MAX_STDERR = 4096;
/** Where artifacts go on a host, relative to the login directory. */
export const DEFAULT_CACHE_DIR = '.cache/tether';
const UNAVAILABLE_RETRY_MS = 60_000;

/** The shell line that checks the cached artifact and runs its bridge (exit 90/91 otherwise). */
export function launchLine(a: Pick<RunnerArtifact, 'fileName' | 'sha256'>, o: { graceMs: number; idleExitMs?: number; cacheDir: string }): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(o.cacheDir) || o.cacheDir.split('/').includes('..')) throw new Error('bad runner cache dir');
  const hashJs = `process.stdout.write(require('crypto').createHash('sha256').update(require('fs').readFileSync(process.argv[1])).digest('hex'))`;
  return [
    `D="$HOME/${o.cacheDir}"; F="$D/${a.fileName}"`,
    `command -v node >/dev/null 2>&1 || { echo "node is not on the PATH of a non-interactive shell" >&2; exit ${EXIT_NO_NODE}; }`,
    `[ -f "$F" ] || { echo missing >&2; exit ${EXIT_ARTIFACT}; }`,
    `S=$( (sha256sum "$F" 2>/dev/null || shasum -a 256 "$F" 2>/dev/null || node -e ${q(hashJs)} "$F") | cut -c1-64)`,
    `[ "$S" = ${q(a.sha256)} ] || { echo "digest mismatch ($S)" >&2; exit ${EXIT_ARTIFACT}; }`,
    `exec node "$F" bridge --dir "$D/run-${a.sha256.slice(0, 16)}" --grace-ms ${Math.max(1000, Math.round(o.graceMs))}${o.idleExitMs ? ` --idle-ms ${Math.round(o.idleExitMs)}` : ''}`,
  ].join('\n');
}

type LaunchResult = { kind: 'ok'; link: FramedStream; version: string; node: string } | { kind: 'artifact'; reason: string } | { kind: 'no-node'; reason: string } | { kind: 'error'; reason: string };

export interface RunnerServiceOptions {
  pool: SshPool;
  dataDir: string;
  log: Logger;
  /** How long the runner keeps terminals with no gateway connected. */
  graceMs: number;
  /** Terminals end as lost after the host has been unreachable this long. */
  lostAfterMs: number;
  /** Default DEFAULT_CACHE_DIR (tests use their own). */
  cacheDir?: string;
  /** The daemon exits after this long with no link and no terminal (default its own, 10 min). */
  idleExitMs?: number;
  /** Status changes, to record per host (and show). */
  onStatus(hostId: string, status: RunnerStatus): void;
}

export class RunnerService {
  private readonly runners = new Map<string, HostRunner>();

  constructor(private readonly opts: RunnerServiceOptions) {}

  /** The runner of a host (one per host row: a host belongs to one user). */
  forHost(hostId: string, target: PoolTarget): HostRunner {
    let r = this.runners.get(hostId);
    if (!r) this.runners.set(hostId, (r = new HostRunner(hostId, target, this.opts)));
    return r;
  }

  /** A host was removed or its settings changed: its next use starts over. */
  forget(hostId: string): void {
    this.runners.get(hostId)?.dispose();
    this.runners.delete(hostId);
  }

  dispose(): void {
    for (const r of this.runners.values()) r.dispose();
    this.runners.clear();
  }
}

export class HostRunner {
  readonly agent: AgentClient;
  /** Uploads done by this gateway (tests and the bench read it). */
  uploads = 0;
  status: RunnerStatus | null = null;
  private readonly bindings = new AgentBindings(() => this.agent);
  private readonly linkId = randomBytes(12).toString('base64url');
  /** The runner cannot run on this host: asked again only after UNAVAILABLE_RETRY_MS. */
  private unavailable: { err: RunnerUnavailableError; until: number } | null = null;
  private readonly where: string;
  private readonly cacheDir: string;

  constructor(
    readonly hostId: string,
    private readonly target: PoolTarget,
    private readonly opts: RunnerServiceOptions,
  ) {
    this.where = endpointName(target.target);
    this.cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
    this.agent = new AgentClient({
      dial: () => this.dial(),
      afterConnect: async (callNow) => {
        // A half-open link of ours (the network died without a FIN) would keep viewing our terminals.
        await callNow('links.claim', { id: this.linkId });
        await this.bindings.rebind(callNow);
      },
      log: opts.log.child({ component: 'runner', host: this.where }),
      lostAfterMs: opts.lostAfterMs,
      name: `the runner on ${this.where}`,
    });
  }

  /**
   * Serve `root` as workspace `key` on the runner (connecting, and deploying, if needed), unless it
   * is already, with these limits. Rejects with RunnerUnavailableError when the runner cannot run
   * on this host.
   */
  async ensureBound(key: string, root: string, limits: SessionLimits): Promise<void> {
    const r = await this.bindings.ensure(key, { root, limits });
    if (r && this.status) this.setStatus({ ...this.status, limits: r.limits });
  }

  /** Connect (deploying if needed); rejects with RunnerUnavailableError when it cannot run here. */
  connect(): Promise<void> {
    return this.agent.connect();
  }

  dispose(): void {
    this.agent.dispose();
  }

  private setStatus(s: RunnerStatus): void {
    this.status = s;
    this.opts.onStatus(this.hostId, s);
  }

  /** The runner cannot run here: recorded (and not asked again for a while), else launched. */
  private async dial(): Promise<FramedStream> {
    if (this.unavailable && Date.now() < this.unavailable.until) throw this.unavailable.err;
    try {
      return await this.launchOrDeploy();
    } catch (err) {
      if (err instanceof RunnerUnavailableError) {
        this.unavailable = { err, until: Date.now() + UNAVAILABLE_RETRY_MS };
        this.setStatus({ state: 'direct', reason: err.message, at: Date.now() });
      }
      throw err;
    }
  }

  private async launchOrDeploy(): Promise<FramedStream> {
    const started = performance.now();
    const artifact = await runnerArtifact(this.opts.dataDir);
    let r = await this.launch(artifact);
    let uploaded = false;
    let replaced: string | undefined;
    if (r.kind === 'artifact') {
      if (r.reason !== 'missing') replaced = r.reason;
      await this.deploy(artifact);
      uploaded = true;
      r = await this.launch(artifact);
    }
    if (r.kind === 'no-node') throw new RunnerUnavailableError(`the runner needs node >= ${RUNNER_NODE_MIN_MAJOR} on ${this.where}: ${r.reason}`);
    if (r.kind !== 'ok') throw new RuntimeError('unavailable', `the runner on ${this.where} did not start: ${r.reason}`);
    const connectMs = Math.round(performance.now() - started);
    this.setStatus({ state: 'runner', version: r.version, digest: artifact.sha256, uploaded, replaced, connectMs, node: r.node, limits: this.status?.limits, at: Date.now() });
    this.opts.log.info('runner link up', { host: this.where, uploaded, replaced, connectMs });
    return r.link;
  }

  private async launch(a: RunnerArtifact): Promise<LaunchResult> {
    const line = launchLine(a, { graceMs: this.opts.graceMs, idleExitMs: this.opts.idleExitMs, cacheDir: this.cacheDir });
    // An ExecHandle: a launch that fails at once can report its exit status before we listen.
    const handle = await this.opts.pool.openChannel(this.target, (client) => openExec(client, line));
    const ch = handle.channel;
    return new Promise<LaunchResult>((resolve) => {
      let stderr = '';
      let done = false;
      const finish = (r: LaunchResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      ch.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += d.toString('utf8');
      });
      const link = new FramedStream(ch, (record) => {
        const m = /^TETHER-RUNNER (\S+) (\S+)$/.exec(Buffer.from(record).toString('utf8'));
        if (!m) {
          finish({ kind: 'error', reason: 'the runner did not announce itself' });
          return false;
        }
        finish({ kind: 'ok', link, version: m[1]!, node: m[2]! });
        return true;
      });
      link.on('error', () => {});
      // The channel's 'close' comes after its exit status (its EOF, which ends the link, before).
      handle.once('close', () => {
        const code = handle.exit?.code ?? null;
        const why = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
        if (code === EXIT_ARTIFACT) finish({ kind: 'artifact', reason: why || 'missing' });
        else if (code === EXIT_NO_NODE || code === EXIT_NODE_TOO_OLD || code === 127) finish({ kind: 'no-node', reason: why || 'node not found' });
        else finish({ kind: 'error', reason: why || `exit code ${code}` });
      });
      const timer = setTimeout(() => {
        link.terminate();
        finish({ kind: 'error', reason: `no answer within ${LAUNCH_TIMEOUT_MS / 1000} s` });
      }, LAUNCH_TIMEOUT_MS);
    });
  }

  /** Can this host's node run the artifact? Throws RunnerUnavailableError with the reason if not. */
  private async probe(a: RunnerArtifact): Promise<void> {
    const { code, out } = await runLine(
      this.opts.pool,
      this.target,
      `node -p 'JSON.stringify({node: process.versions.node, napi: Number(process.versions.napi || 0), platform: process.platform, arch: process.arch})'`,
    );
    let info: { node: string; napi: number; platform: string; arch: string };
    try {
      if (code !== 0) throw new Error();
      info = JSON.parse(out) as typeof info;
    } catch {
      throw new RunnerUnavailableError(`node on ${this.where} could not be asked its version (exit ${code})`);
    }
    const major = Number(info.node.split('.')[0]);
    if (major < RUNNER_NODE_MIN_MAJOR || info.napi < RUNNER_NAPI_MIN) throw new RunnerUnavailableError(`node ${info.node} on ${this.where} is too old: the runner needs ${RUNNER_NODE_MIN_MAJOR} or later`);
    if (info.platform !== a.platform || info.arch !== a.arch) throw new RunnerUnavailableError(`${this.where} is ${info.platform}-${info.arch}; this gateway's runner is built for ${a.platform}-${a.arch}`);
  }

  private async deploy(a: RunnerArtifact): Promise<void> {
    await this.probe(a);
    let bytes: Buffer;
    try {
      bytes = await verifiedArtifactBytes(a);
    } catch (err) {
      throw new RunnerUnavailableError(`the runner artifact was refused: ${(err as Error).message}`);
    }
    const sftp = await this.opts.pool.openChannel(this.target, (client: Client) => call<SFTPWrapper>((cb) => client.sftp(cb)));
    try {
      const parts = this.cacheDir.split('/');
      for (let i = 1; i <= parts.length; i++) {
        await call<void>((cb) => sftp.mkdir(parts.slice(0, i).join('/'), { mode: 0o700 }, cb)).catch(() => {}); // exists
      }
      await call<void>((cb) => sftp.chmod(this.cacheDir, 0o700, cb));
      const final = `${this.cacheDir}/${a.fileName}`;
      const tmp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
      await call<void>((cb) => sftp.writeFile(tmp, bytes, { mode: 0o600 }, cb));
      await call<void>((cb) => sftp.writeFile(final.replace(/\.js$/, '.sig.json'), a.manifest, { mode: 0o600 }, cb));
      // OpenSSH's posix-rename replaces a changed file in one step; plain SFTP rename will not overwrite.
      await call<void>((cb) => sftp.ext_openssh_rename(tmp, final, cb)).catch(async () => {
        await call<void>((cb) => sftp.unlink(final, cb)).catch(() => {});
        await call<void>((cb) => sftp.rename(tmp, final, cb));
      });
      this.uploads++;
      this.opts.log.info('runner deployed', { host: this.where, file: a.fileName, bytes: bytes.byteLength });
    } finally {
      sftp.end();
    }
  }
}
