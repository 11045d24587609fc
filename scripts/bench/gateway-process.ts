/** Run the real gateway as a child process (`--no-ui` unless asked) so its memory can be measured apart from the client. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findProcesses, terminate } from '../../server/os/processes';
import { HttpSession } from '../../server/testing/http-session';
import { buildGateway, GATEWAY_ENV, gatewayNodeFlags } from '../gateway-build.mjs';

export interface GatewayProcess {
  url: string;
  token: string;
  workspace: string;
  /** The workspace's directory on this machine. */
  root: string;
  dataDir: string;
  password: string;
  pid: number;
  rssBytes(): Promise<number>;
  /** SIGKILL the gateway alone (a crash): DATA_DIR, the pty host and its terminals stay. */
  kill(): Promise<void>;
  /** Stop it and end everything it started (pty host, workers), removing DATA_DIR. */
  stop(): Promise<void>;
}

/** What a restarted gateway takes over from the one before (same DATA_DIR, token, workspace). */
export type GatewayReuse = Pick<GatewayProcess, 'dataDir' | 'password' | 'token' | 'workspace' | 'root'>;

const root = path.resolve(import.meta.dirname, '..', '..');

/** `ui`: serve the UI too (needs a production build, `.next/BUILD_ID`), as `npm start` does. */
export async function startGatewayProcess(env: Record<string, string> = {}, nodeArgs: string[] = [], reuse?: GatewayReuse, opts: { ui?: boolean } = {}): Promise<GatewayProcess> {
  const dataDir = reuse?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tether-bench-')));
  const password = reuse?.password ?? 'bench-' + Math.random().toString(36).slice(2);
  // The shipped gateway: the bundle with its node flags (extra flags after them win).
  const [flags, bundle] = [gatewayNodeFlags({ ...process.env, ...env }), await buildGateway()];
  const child: ChildProcess = spawn(process.execPath, [...flags, ...nodeArgs, bundle, ...(opts.ui ? [] : ['--no-ui'])], {
    cwd: root,
    // No warm cloud worker: it would compete for the CPU the figures measure, and outlive the run.
    env: { ...GATEWAY_ENV, ...process.env, NODE_ENV: 'production', PORT: '0', DATA_DIR: dataDir, TETHER_ADMIN_PASSWORD: password, TETHER_LOG_LEVEL: 'warn', TETHER_CLOUD_WARM: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
  });
  let token = reuse?.token;
  let ws = reuse ? { id: reuse.workspace, root: reuse.root } : undefined;
  if (!token || !ws) {
    const http = new HttpSession(url);
    const signIn = await http.login('admin', password);
    if (signIn.includes('error=')) throw new Error(`bench sign-in failed: ${signIn}`);
    token = (await http.mutation<{ token: string }>('tokens.create', { name: 'bench' })).token;
    ws = await http.mutation<{ id: string; root: string }>('workspaces.create', { name: 'bench' });
  }
  return {
    url,
    token,
    workspace: ws.id,
    root: ws.root,
    dataDir,
    password,
    pid: child.pid!,
    async kill() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async rssBytes() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      // Cloud workers and the pty host outlive their gateway by design; a benchmark's end with it.
      await terminate(findProcesses((argv) => argv.some((a) => a.includes(dataDir))), 2000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
