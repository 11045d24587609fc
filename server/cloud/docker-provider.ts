/**
 * The docker worker provider (`TETHER_CLOUD_PROVIDER=docker`): each cloud worker is one container
 * on a Docker engine, running the worker agent from an image made on this machine
 * (docker/worker-image.ts), confined as docker/container-spec.ts describes, with its home — the
 * workspace included — on a named volume that outlives the container's restarts.
 *
 * The engine is the provider's whole record: containers and volumes carry labels (provider,
 * namespace, worker id, size), so a restarted gateway lists its workers from the engine and
 * re-adopts them; the secret is in the container's environment (the agent removes it from its
 * own before any terminal starts). The namespace keeps gateways that share an engine but not a
 * database from adopting — or reaping — each other's workers.
 *
 * The gateway reaches an agent one of two ways:
 * - socket (default with a local engine): the agent listens on a Unix socket in
 *   `<baseDir>/<id>/`, bind-mounted at /run/tether; no port is published at all.
 * - port (for a remote engine): the agent's port is published on `publishIp` (127.0.0.1 by
 *   default) at a port the engine picks, read back from the container's inspect.
 */
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log';
import { packageVersion } from '../runtimes/agent/runner-artifact';
import type { ProviderWorker, WorkerEndpoint, WorkerProvider, WorkerSize } from './provider';
import { checkHealth } from './worker-health';
import { DockerEngine, EngineError, demuxStreams } from './docker/engine';
import {
  AGENT_PORT,
  DEFAULT_SIZES,
  LABEL,
  SECRET_ENV,
  SOCKET_DIR_IN_CONTAINER,
  SOCKET_NAME,
  containerCreateBody,
  containerName,
  volumeName,
  workerLabels,
  type AgentListenMode,
  type SizeLimits,
} from './docker/container-spec';
import { ensureWorkerImage, type WorkerImage } from './docker/worker-image';

export interface DockerProviderOptions {
  engine: DockerEngine;
  /** DATA_DIR/docker-workers: each worker's socket folder (socket mode). */
  baseDir: string;
  /** Marks this gateway's workers (1-24 of a-z 0-9 -); list() sees only these. */
  namespace: string;
  log: Logger;
  /** Default: socket for a unix:// engine, port for tcp://. */
  listen?: AgentListenMode;
  /** Port mode: where the agent's port is published. Default 127.0.0.1. */
  publishIp?: string;
  /** The container's network: 'bridge' (default; its own namespace with outbound access), 'none', or a network's name. */
  network?: string;
  /** Per size, over DEFAULT_SIZES; CPUs above what the engine has are lowered to it. */
  sizes?: Partial<Record<WorkerSize, Partial<SizeLimits>>>;
  /** The workers' user. Default: the gateway's own uid:gid, or 1000:1000 when the gateway is root. */
  user?: { uid: number; gid: number };
  /** Size of the private /tmp (counts against memory). Default 256 MiB. */
  tmpBytes?: number;
  /** Time for an agent to answer after its container started. Default 60 s. */
  startTimeoutMs?: number;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,23}$/;
const STOP_GRACE_S = 3;
const READY_POLL_MS = 25;
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH = 107;

interface ContainerInspect {
  State: { Running: boolean; Restarting: boolean; Status: string; ExitCode: number; OOMKilled: boolean; Error: string };
  Config: { Env: string[] | null; Labels: Record<string, string> | null };
  Mounts: { Type: string; Source: string; Destination: string }[];
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
}

interface ContainerSummary {
  Labels: Record<string, string>;
  State: string;
}

export class DockerProvider implements WorkerProvider {
  readonly name = 'docker';
  private readonly engine: DockerEngine;
  private readonly listen: AgentListenMode;
  /** Ids being created by this process. */
  private readonly starting = new Set<string>();
  private cpusPromise: Promise<number> | undefined;

  constructor(private readonly opts: DockerProviderOptions) {
    if (!NAMESPACE_PATTERN.test(opts.namespace)) throw new Error(`the docker namespace must be 1-24 of a-z, 0-9 and -, got ${JSON.stringify(opts.namespace)}`);
    this.engine = opts.engine;
    this.listen = opts.listen ?? (opts.engine.address.socketPath ? 'socket' : 'port');
  }

  /** The worker image (made on first use, or found by its content hash). */
  image(opts: { refresh?: boolean } = {}): Promise<WorkerImage> {
    return ensureWorkerImage(this.engine, { ...this.user(), version: packageVersion(), ...opts });
  }

  /** A size's limits as applied: CPUs capped at the engine's count. */
  async limits(size: WorkerSize): Promise<SizeLimits> {
    const wanted = { ...DEFAULT_SIZES[size], ...this.opts.sizes?.[size] };
    this.cpusPromise ??= this.engine.json<{ NCPU: number }>({ path: '/info' }).then((i) => i.NCPU);
    return { ...wanted, cpus: Math.min(wanted.cpus, await this.cpusPromise) };
  }

  /** For the admin view. */
  async sandbox(): Promise<string> {
    return `docker container (${this.engine.address.display}, agent on ${this.listen === 'socket' ? 'a Unix socket' : `${this.opts.publishIp ?? '127.0.0.1'}`})`;
  }

  async create(spec: { id: string; size: WorkerSize }): Promise<ProviderWorker & { endpoint: WorkerEndpoint }> {
    const { id, size } = spec;
    const name = this.containerName(id);
    await this.claim(id, name);
    try {
      const [image, limits] = await Promise.all([this.image(), this.limits(size)]);
      const socketDir = this.listen === 'socket' ? await this.makeSocketDir(id, image) : undefined;
      const secret = randomBytes(32).toString('base64url');
      const { namespace } = this.opts;
      await this.engine.json({ method: 'POST', path: '/volumes/create', json: { Name: volumeName(namespace, id), Labels: workerLabels({ namespace, id }) } });
      const body = containerCreateBody({
        id,
        size,
        namespace,
        secret,
        image,
        limits,
        listen: this.listen,
        socketDir,
        publishIp: this.opts.publishIp ?? '127.0.0.1',
        network: this.opts.network ?? 'bridge',
        tmpBytes: this.opts.tmpBytes ?? 256 * 1024 * 1024,
      });
      await this.engine.json({ method: 'POST', path: '/containers/create', query: { name }, json: body }).catch(async (err: unknown) => {
        // The image was removed since it was made (another gateway's newer agent pruned it): make it again.
        if (!(err instanceof EngineError && err.status === 404 && /image/i.test(err.message))) throw err;
        const again = await this.image({ refresh: true });
        return this.engine.json({ method: 'POST', path: '/containers/create', query: { name }, json: { ...body, Image: again.tag } });
      });
      await this.engine.text({ method: 'POST', path: `/containers/${name}/start` });
      const endpoint = await this.waitForAgent(id);
      this.opts.log.info('cloud worker started', { workerId: id, container: name, image: image.tag, size, cpus: limits.cpus, memoryBytes: limits.memoryBytes });
      return { id, state: 'running', endpoint };
    } catch (err) {
      await this.destroy(id).catch(() => undefined);
      throw err;
    } finally {
      this.starting.delete(id);
    }
  }

  /** Stop the container (SIGTERM to the agent, which ends its terminals; SIGKILL after 3 s), remove it, its volume and its socket folder. Idempotent. */
  async destroy(id: string): Promise<void> {
    const name = this.containerName(id);
    await this.engine.ensure({ method: 'POST', path: `/containers/${name}/stop`, query: { t: STOP_GRACE_S }, timeoutMs: (STOP_GRACE_S + 30) * 1000 });
    await this.engine.ensure({ method: 'DELETE', path: `/containers/${name}`, query: { force: true, v: true } });
    await this.engine.ensure({ method: 'DELETE', path: `/volumes/${volumeName(this.opts.namespace, id)}`, query: { force: true } });
    await rm(path.join(this.opts.baseDir, id), { recursive: true, force: true });
    this.opts.log.info('cloud worker destroyed', { workerId: id, container: name });
  }

  /** This namespace's containers, and volumes left without one (as gone, so that they are cleaned up). */
  async list(): Promise<ProviderWorker[]> {
    const filters = JSON.stringify({ label: [`${LABEL.provider}=docker`, `${LABEL.namespace}=${this.opts.namespace}`] });
    const [containers, volumes] = await Promise.all([
      this.engine.json<ContainerSummary[]>({ path: '/containers/json', query: { all: true, filters } }),
      this.engine.json<{ Volumes: { Labels: Record<string, string> | null }[] | null }>({ path: '/volumes', query: { filters } }),
    ]);
    const ids = new Set([...containers.map((c) => c.Labels[LABEL.worker]), ...(volumes.Volumes ?? []).map((v) => v.Labels?.[LABEL.worker])]);
    const workers = await Promise.all(
      [...ids].filter((id): id is string => !!id && ID_PATTERN.test(id)).map(async (id): Promise<ProviderWorker> => {
        if (this.starting.has(id)) return { id, state: 'starting', endpoint: null };
        const endpoint = await this.endpoint(id);
        return { id, state: endpoint ? 'running' : 'gone', endpoint };
      }),
    );
    return workers;
  }

  /** From the container's inspect; null unless it is running. */
  async endpoint(id: string): Promise<WorkerEndpoint | null> {
    const c = await this.engine.jsonOrNull<ContainerInspect>({ path: `/containers/${this.containerName(id)}/json` });
    if (!c || !c.State.Running || c.State.Restarting) return null;
    const secret = (c.Config.Env ?? []).find((e) => e.startsWith(`${SECRET_ENV}=`))?.slice(SECRET_ENV.length + 1);
    if (!secret) return null;
    if (c.Config.Labels?.[LABEL.listen] === 'socket') {
      const dir = c.Mounts.find((m) => m.Type === 'bind' && m.Destination === SOCKET_DIR_IN_CONTAINER)?.Source;
      return dir ? { url: `ws+unix://${path.join(dir, SOCKET_NAME)}:/`, secret } : null;
    }
    const binding = c.NetworkSettings.Ports?.[`${AGENT_PORT}/tcp`]?.[0];
    if (!binding?.HostPort) return null;
    const host = binding.HostIp && binding.HostIp !== '0.0.0.0' ? binding.HostIp : '127.0.0.1';
    return { url: `ws://${host.includes(':') ? `[${host}]` : host}:${binding.HostPort}/`, secret };
  }

  containerName(id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid worker id: ${JSON.stringify(id)}`);
    return containerName(this.opts.namespace, id);
  }

  /** Mark `id` as starting here, refusing one in use (here or on the engine) before anything is
   * made — a failed start removes everything under its id. */
  private async claim(id: string, name: string): Promise<void> {
    if (this.starting.has(id)) throw new Error(`a cloud worker ${id} already exists`);
    this.starting.add(id);
    const existing = await this.engine.jsonOrNull({ path: `/containers/${name}/json` }).catch((err: unknown) => {
      this.starting.delete(id);
      throw err;
    });
    if (existing) {
      this.starting.delete(id);
      throw new Error(`a cloud worker ${id} already exists`);
    }
  }

  private user(): { uid: number; gid: number } {
    if (this.opts.user) return this.opts.user;
    const uid = process.getuid?.() ?? 0;
    return uid === 0 ? { uid: 1000, gid: 1000 } : { uid, gid: process.getgid?.() ?? uid };
  }

  /** `<baseDir>/<id>/`, where the agent (as the worker's user) creates its socket. */
  private async makeSocketDir(id: string, image: WorkerImage): Promise<string> {
    const dir = path.join(path.resolve(this.opts.baseDir), id);
    const socketPath = path.join(dir, SOCKET_NAME);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new Error(`the agent socket path ${socketPath} is longer than Unix sockets allow (${MAX_SOCKET_PATH} bytes): use a shorter DATA_DIR or TETHER_DOCKER_AGENT=port`);
    }
    await mkdir(this.opts.baseDir, { recursive: true, mode: 0o700 });
    await mkdir(dir, { mode: 0o700 }); // fails for an id in use
    if (process.getuid?.() === 0) await chown(dir, image.uid, image.gid);
    return dir;
  }

  /** Poll the agent's /healthz until it answers; fail early, with its log, when the container exits. */
  private async waitForAgent(id: string): Promise<WorkerEndpoint> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    for (;;) {
      const endpoint = await this.endpoint(id);
      if (endpoint && (await checkHealth(endpoint.url)) === null) return endpoint;
      if (!endpoint) {
        const c = await this.engine.jsonOrNull<ContainerInspect>({ path: `/containers/${this.containerName(id)}/json` });
        if (!c) throw new Error('the worker container disappeared while it started');
        if (!c.State.Running && c.State.Status !== 'created') {
          throw new Error(`the worker container exited (${c.State.OOMKilled ? 'out of memory' : `code ${c.State.ExitCode}`}) before its agent listened${await this.logTail(id)}`);
        }
      }
      if (Date.now() > deadline) throw new Error(`the worker agent did not answer within ${(this.opts.startTimeoutMs ?? 60_000) / 1000} s${await this.logTail(id)}`);
      await sleep(READY_POLL_MS);
    }
  }

  private async logTail(id: string): Promise<string> {
    try {
      const raw = await this.engine.bytes({ path: `/containers/${this.containerName(id)}/logs`, query: { stdout: true, stderr: true, tail: 20 } });
      const { stdout, stderr } = demuxStreams(raw);
      const log = (stderr + stdout).trim();
      return log ? `; its log ends with:\n${log.slice(-2_000)}` : '';
    } catch {
      return '';
    }
  }
}
