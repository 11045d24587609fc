/**
 * What the docker provider asks the engine for, per worker: the container (limits, user, network,
 * mounts, labels) and its volume. Pure functions of the settings, kept apart from the provider's
 * lifecycle so that the whole of a worker's confinement reads in one place.
 *
 * Confinement: a non-root user, no capabilities, no-new-privileges, a read-only root filesystem
 * (the home volume and a private /tmp are the writable places), a pids limit, CPU and memory
 * limits from the worker's size (memory without swap), its own network namespace (the engine's
 * bridge network, or none) and tini as PID 1 so orphaned processes are reaped.
 */
import type { WorkerSize } from '../provider';
import { AGENT_SCRIPT, WORKER_HOME, WORKER_PATH, WORKER_WORKSPACE, type WorkerImage } from './worker-image';
import { AGENT_NODE_FLAGS } from '../../runtimes/agent/daemon-dir';

/** Labels: what the provider owns, so that list() after a gateway restart re-adopts it. */
export const LABEL = {
  provider: 'tether.provider',
  namespace: 'tether.namespace',
  worker: 'tether.worker',
  size: 'tether.size',
  listen: 'tether.listen',
} as const;

/** The agent's port inside the container (port mode). */
export const AGENT_PORT = 7681;
/** Where the socket folder is mounted (socket mode). */
export const SOCKET_DIR_IN_CONTAINER = '/run/tether';
export const SOCKET_NAME = 'agent.sock';
export const SECRET_ENV = 'TETHER_WORKER_SECRET';

export interface SizeLimits {
  /** CPUs (fractions allowed): NanoCpus = cpus × 10⁹. */
  cpus: number;
  memoryBytes: number;
  /** Processes and threads. */
  pids: number;
}

const GiB = 1024 ** 3;
export const DEFAULT_SIZES: Record<WorkerSize, SizeLimits> = {
  small: { cpus: 1, memoryBytes: 2 * GiB, pids: 1024 },
  medium: { cpus: 2, memoryBytes: 4 * GiB, pids: 2048 },
  large: { cpus: 4, memoryBytes: 8 * GiB, pids: 4096 },
};

/** How the gateway reaches the agent: a Unix socket in a bind-mounted folder, or its port published on `publishIp`. */
export type AgentListenMode = 'socket' | 'port';

export interface WorkerContainerSpec {
  id: string;
  size: WorkerSize;
  namespace: string;
  secret: string;
  image: WorkerImage;
  limits: SizeLimits;
  listen: AgentListenMode;
  /** socket mode: the folder on this machine mounted at /run/tether. */
  socketDir?: string;
  publishIp: string;
  network: string;
  tmpBytes: number;
}

export function containerName(namespace: string, id: string): string {
  return `tether-${namespace}-${id}`;
}

export function volumeName(namespace: string, id: string): string {
  return `tether-${namespace}-${id}-home`;
}

export function workerLabels(s: { namespace: string; id: string }): Record<string, string> {
  return { [LABEL.provider]: 'docker', [LABEL.namespace]: s.namespace, [LABEL.worker]: s.id };
}

/** The body of `POST /containers/create`. */
export function containerCreateBody(s: WorkerContainerSpec): Record<string, unknown> {
  const port = `${AGENT_PORT}/tcp`;
  const listen = s.listen === 'socket' ? `unix:${SOCKET_DIR_IN_CONTAINER}/${SOCKET_NAME}` : `0.0.0.0:${AGENT_PORT}`;
  if (s.listen === 'socket' && !s.socketDir) throw new Error('socket mode needs a socket folder');
  if (s.listen === 'port' && s.network === 'none') throw new Error('the agent port cannot be published without a network (TETHER_DOCKER_NETWORK=none needs TETHER_DOCKER_AGENT=socket)');
  return {
    Image: s.image.tag,
    User: `${s.image.uid}:${s.image.gid}`,
    Entrypoint: [s.image.nodePath, ...AGENT_NODE_FLAGS, AGENT_SCRIPT],
    Cmd: ['--listen', listen, '--token-env', SECRET_ENV, '--root', WORKER_WORKSPACE],
    Env: [`${SECRET_ENV}=${s.secret}`, `HOME=${WORKER_HOME}`, `PATH=${WORKER_PATH}`, 'LANG=C.UTF-8', 'TERM=xterm-256color', 'SHELL=/bin/bash'],
    WorkingDir: WORKER_WORKSPACE,
    Hostname: 'worker',
    Labels: { ...workerLabels(s), [LABEL.size]: s.size, [LABEL.listen]: s.listen },
    ExposedPorts: s.listen === 'port' ? { [port]: {} } : {},
    HostConfig: {
      Init: true,
      NanoCpus: Math.round(s.limits.cpus * 1e9),
      Memory: s.limits.memoryBytes,
      MemorySwap: s.limits.memoryBytes,
      PidsLimit: s.limits.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${s.tmpBytes}` },
      Mounts: [
        { Type: 'volume', Source: volumeName(s.namespace, s.id), Target: WORKER_HOME },
        ...(s.listen === 'socket' ? [{ Type: 'bind', Source: s.socketDir, Target: SOCKET_DIR_IN_CONTAINER }] : []),
      ],
      NetworkMode: s.network,
      PortBindings: s.listen === 'port' ? { [port]: [{ HostIp: s.publishIp, HostPort: '' }] } : {},
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
    },
  };
}
