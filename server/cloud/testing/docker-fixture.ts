/**
 * Test fixture for the docker provider on the real engine (DOCKER_HOST, or the default socket):
 * a temp DATA_DIR with a migrated database, DockerProviders in a namespace of their own (so
 * nothing here sees, adopts or removes another test's or a real gateway's containers), and the
 * engine calls tests use to look at and disturb workers: inspect, exec, kill, restart. The worker
 * image is made (or found) when the fixture is created.
 * dispose() removes every container and volume of the namespace.
 *
 * Every connection stays on this machine: the engine's socket, and the agents' Unix sockets (or
 * ports published on 127.0.0.1) — never a container's bridge address.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { silentLogger } from '../../log';
import { DockerProvider, type DockerProviderOptions } from '../docker-provider';
import { DockerEngine, demuxStreams } from '../docker/engine';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface DockerFixture {
  dataDir: string;
  dbh: DatabaseHandle;
  engine: DockerEngine;
  namespace: string;
  /** A new provider on this fixture's namespace and DATA_DIR (a second one stands for the gateway after a restart). */
  provider(opts?: Partial<DockerProviderOptions>): DockerProvider;
  /** `docker inspect` of a worker's container. */
  inspect(workerId: string): Promise<ContainerDetails>;
  /** Run argv in a worker's container (as its user), to the end. */
  exec(workerId: string, argv: string[]): Promise<ExecResult>;
  /** SIGKILL the container (the agent and everything in it). */
  kill(workerId: string): Promise<void>;
  restart(workerId: string): Promise<void>;
  dispose(): Promise<void>;
}

/** The parts of `docker inspect` the tests read. */
export interface ContainerDetails {
  Id: string;
  State: { Running: boolean; Pid: number; OOMKilled: boolean };
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    NanoCpus: number;
    Memory: number;
    MemorySwap: number;
    PidsLimit: number;
    CapDrop: string[];
    ReadonlyRootfs: boolean;
    NetworkMode: string;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
    SecurityOpt: string[];
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string }[];
  NetworkSettings: { SandboxKey: string; Ports: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

export async function createDockerFixture(): Promise<DockerFixture> {
  // Short: the agents' socket paths live under it (108 bytes at most).
  const dataDir = await mkdtemp('/tmp/tdk-');
  const dbh = await openDatabase(path.join(dataDir, 'tether.db'));
  const engine = DockerEngine.fromEnv();
  const namespace = `test-${randomBytes(4).toString('hex')}`;
  const baseDir = path.join(dataDir, 'dw');
  const provider = (opts: Partial<DockerProviderOptions> = {}) => new DockerProvider({ engine, baseDir, namespace, log: silentLogger, ...opts });
  const name = (workerId: string) => provider().containerName(workerId);
  // Made (or found by its hash) once per test file, before any test times a worker's start.
  await provider().image();
  return {
    dataDir,
    dbh,
    engine,
    namespace,
    provider,
    inspect: (workerId) => engine.json<ContainerDetails>({ path: `/containers/${name(workerId)}/json` }),
    async exec(workerId, argv) {
      const { Id } = await engine.json<{ Id: string }>({ method: 'POST', path: `/containers/${name(workerId)}/exec`, json: { Cmd: argv, AttachStdout: true, AttachStderr: true } });
      // Not detached: the engine answers with the multiplexed output and closes when the process ends.
      const raw = await engine.bytes({ method: 'POST', path: `/exec/${Id}/start`, json: { Detach: false, Tty: false } });
      const { ExitCode } = await engine.json<{ ExitCode: number }>({ path: `/exec/${Id}/json` });
      return { exitCode: ExitCode, ...demuxStreams(raw) };
    },
    kill: (workerId) => engine.ensure({ method: 'POST', path: `/containers/${name(workerId)}/kill`, query: { signal: 'SIGKILL' } }),
    restart: (workerId) => engine.ensure({ method: 'POST', path: `/containers/${name(workerId)}/restart`, query: { t: 3 } }),
    async dispose() {
      const leftover = provider();
      await Promise.all((await leftover.list()).map((w) => leftover.destroy(w.id)));
      await dbh.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
