/**
 * Test fixture: Debian's nginx (/usr/sbin/nginx, installed by .ci/run) as a load balancer on a free
 * 127.0.0.1 port in front of N gateways — the configuration README "Running several gateways"
 * documents (loadBalancerConfig): round robin, no sticky sessions, WebSocket upgrade, and a
 * request to a gateway that refuses the connection retried on the next one.
 *
 * nginx runs in the foreground (`daemon off`) with its prefix, pid file, logs and temp paths in a
 * temp dir, so it needs no root and leaves nothing behind. A gateway restarted on its port needs
 * no reload: nginx skips it while it is down and uses it again once it answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, portAnswers } from './free-port';

const NGINX = '/usr/sbin/nginx';
const READY_TIMEOUT_MS = 10_000;

export interface LoadBalancer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** nginx's error log, for failure messages. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** The http-block part of the documented configuration: upstream and server. */
export function loadBalancerConfig(opts: { listen: string; backends: string[] }): string {
  return `
  # WebSocket upgrade: pass Upgrade/Connection through (Connection: close for plain requests).
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }
  upstream tether {
    # Round robin, no sticky sessions: any gateway serves any browser.
${opts.backends.map((b) => `    server ${b} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen ${opts.listen};
    # Uploads go through the gateway's own limits.
    client_max_body_size 0;
    location / {
      proxy_pass http://tether;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      # The browser's Host (with its port): the gateway checks Origin against it.
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Terminal output and server-sent events stream; idle sockets stay (the client pings every 10 s).
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      # A gateway that is down (connection refused, or gone mid-connect) is skipped for the next.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
    }
  }`;
}

export function nginxAvailable(): boolean {
  return existsSync(NGINX);
}

export async function startNginx(backends: string[]): Promise<LoadBalancer> {
  if (!nginxAvailable()) throw new Error(`${NGINX} is missing: install Debian's nginx (.ci/run does)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(
      conf,
      `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${loadBalancerConfig({ listen: `127.0.0.1:${port}`, backends })}
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await portAnswers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const errorLog = () => readFile(`${dir}/error.log`, 'utf8').catch(() => '');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
