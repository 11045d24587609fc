/** The docker provider's settings: TETHER_CLOUD_PROVIDER, DOCKER_HOST and the TETHER_DOCKER_* variables, and bad values refused with a clear message. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { DockerEngine, parseDockerHost } from './engine';

const GiB = 1024 ** 3;
/** (Next.js types declare NODE_ENV required in ProcessEnv.) */
const load = (env: Record<string, string>) => loadConfig(env as unknown as NodeJS.ProcessEnv);

describe('docker provider settings', () => {
  it('default to the process provider; docker takes DOCKER_HOST, the agent mode, network, namespace and sizes', () => {
    expect(load({}).cloud).toMatchObject({ provider: 'process', docker: { host: undefined, agent: undefined, publishIp: '127.0.0.1', network: 'bridge', sizes: {} } });
    const c = load({
      TETHER_CLOUD_PROVIDER: 'docker',
      DOCKER_HOST: 'tcp://10.0.0.5:2375',
      TETHER_DOCKER_AGENT: 'port',
      TETHER_DOCKER_PUBLISH_IP: '10.0.0.5',
      TETHER_DOCKER_NETWORK: 'workers',
      TETHER_DOCKER_NAMESPACE: 'team-a',
      TETHER_DOCKER_SIZES: 'small=0.5:512m, large=8:16g',
    }).cloud;
    expect(c).toMatchObject({
      provider: 'docker',
      docker: { host: 'tcp://10.0.0.5:2375', agent: 'port', publishIp: '10.0.0.5', network: 'workers', namespace: 'team-a', sizes: { small: { cpus: 0.5, memoryBytes: GiB / 2 }, large: { cpus: 8, memoryBytes: 16 * GiB } } },
    });
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(() => load({ TETHER_CLOUD_PROVIDER: 'kubernetes' })).toThrow(ConfigError);
    expect(() => load({ DOCKER_HOST: 'ssh://box' })).toThrow(/DOCKER_HOST/);
    expect(() => load({ TETHER_DOCKER_NAMESPACE: 'Has Spaces' })).toThrow(/TETHER_DOCKER_NAMESPACE/);
    expect(() => load({ TETHER_DOCKER_SIZES: 'huge=64:1t' })).toThrow(/TETHER_DOCKER_SIZES: "huge=64:1t" is not size=CPUS:MEMORY/);
  });

  it('reads DOCKER_HOST as a Unix socket (the default) or TCP', () => {
    expect(parseDockerHost(undefined)).toEqual({ socketPath: '/var/run/docker.sock', display: 'unix:///var/run/docker.sock' });
    expect(parseDockerHost('unix:///run/user/1000/docker.sock')).toMatchObject({ socketPath: '/run/user/1000/docker.sock' });
    expect(parseDockerHost('tcp://[::1]:2375')).toMatchObject({ host: '::1', port: 2375 });
    expect(() => parseDockerHost('unix://relative.sock')).toThrow(/absolute/);
    expect(() => parseDockerHost('https://engine')).toThrow(/unix:\/\/\/path or tcp:\/\/host:port/);
  });

  it('says what to do when no engine answers', async () => {
    const engine = new DockerEngine(parseDockerHost('unix:///nonexistent/docker.sock'));
    await expect(engine.json({ path: '/info' })).rejects.toThrow('cannot reach the Docker engine at unix:///nonexistent/docker.sock (ENOENT): is dockerd running, and is DOCKER_HOST right?');
  });
});
