/**
 * A real gateway per spec file, run as `npm start` runs it (scripts/gateway-build.mjs), on port 0
 * with a fresh DATA_DIR and a random admin password, torn down (SIGTERM, then SIGKILL after 5 s)
 * after the file's last test.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findProcesses, terminate } from '../server/os/processes';
import { GATEWAY_ENV, gatewayArgv } from '../scripts/gateway-build.mjs';

export interface Gateway {
  url: string;
  username: string;
  password: string;
  dataDir: string;
  /** Everything the gateway printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const START_TIMEOUT_MS = 60_000;
const KILL_AFTER_MS = 5_000;

/** `env` adds to the gateway's environment (e.g. a higher per-user limit). */
export async function startGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tether-e2e-'));
  const password = randomBytes(12).toString('base64url');
  // Shells get an empty HOME: tests must not depend on (or wait for) this machine's dotfiles — a
  // login shell here runs pyenv's rehash, which can block for seconds on another shell's lock.
  const home = path.join(dataDir, 'home');
  await mkdir(home);
  // The gateway as `npm start` runs it (the bundle, its node flags, production); TETHER_E2E_DEV=1
  // runs the sources and the UI through Next's dev server instead (React strict mode, no build).
  const dev = !!process.env.TETHER_E2E_DEV;
  const argv = dev ? ['--import', 'tsx', 'server/main.ts', '--dev'] : await gatewayArgv([], { ...process.env, ...env });
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...(dev ? {} : GATEWAY_ENV), ...process.env, NODE_ENV: dev ? 'development' : 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TETHER_ADMIN_USER: 'admin', TETHER_ADMIN_PASSWORD: password, HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(timer);
    }
    // Cloud workers outlive a gateway by design (the next start re-adopts them); a test's are ended.
    await terminate(findProcesses((argv) => argv.some((a) => a.includes(dataDir))), 2000);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.stdout?.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /Tether listening on (http:\/\/\S+)/.exec(log);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited early (code ${code}, signal ${signal})`));
      });
    });
    return { url, username: 'admin', password, dataDir, output: () => log, stop };
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- gateway output ---\n${log}`);
  }
}

/** Registers a gateway for the current spec file: started before its first test, stopped after its last. */
export function useGateway(env: Record<string, string> = {}): () => Gateway {
  let gateway: Gateway | undefined;
  base.beforeAll(async () => {
    base.setTimeout(START_TIMEOUT_MS + 10_000);
    gateway = await startGateway(env);
  });
  base.afterAll(async () => {
    await gateway?.stop();
  });
  return () => {
    if (!gateway) throw new Error('gateway not started');
    return gateway;
  };
}

export async function login(page: Page, gw: Gateway, target = '/'): Promise<void> {
  await page.goto(`${gw.url}${target}`);
  await expect(page).toHaveURL(/\/login/);
  await page.getByTestId('login-username').fill(gw.username);
  await page.getByTestId('login-password').fill(gw.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Open the home page's "New workspace" dialog, where the create form is; its name field has the focus. */
export async function openCreateDialog(page: Page): Promise<void> {
  await page.getByTestId('new-workspace').click();
  await expect(page.getByTestId('create-dialog')).toBeVisible();
  await expect(page.getByTestId('workspace-name-input')).toBeFocused();
}

/**
 * Sign in, create workspace `name`, open it and wait for its first terminal's prompt.
 * Returns that terminal's session id. Every test makes its own workspace, so none depends on
 * another having run (a failed test restarts the worker, and with it the gateway).
 */
export async function openNewWorkspace(page: Page, gw: Gateway, name: string): Promise<string> {
  // `?home=1`: on a phone-sized viewport the home page would otherwise go to /agents.
  await login(page, gw, '/?home=1');
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill(name);
  await page.getByTestId('workspace-create').click();
  const link = page.getByTestId('workspace-link').filter({ hasText: name });
  await expect(link).toHaveCount(1);
  await link.click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  const [first] = await tabSessions(page, 1);
  await waitForPrompt(page, first!);
  return first!;
}

/** The open workspace's directory on disk, from `workspaces.get` (tRPC over HTTP, plain JSON). */
export async function workspaceRoot(page: Page): Promise<string> {
  const id = new URL(page.url()).pathname.split('/').pop()!;
  const input = encodeURIComponent(JSON.stringify({ id }));
  const res = await page.request.get(new URL(`/api/trpc/workspaces.get?input=${input}`, page.url()).href);
  expect(res.ok()).toBe(true);
  const body = (await res.json()) as { result: { data: { root: string } } };
  return body.result.data.root;
}

// ---- reading terminals through window.__tether (the xterm buffer, never pixels) ----

export async function terminalText(page: Page, sessionId: string): Promise<string> {
  return page.evaluate((id) => window.__tether?.terminals[id]?.text() ?? '', sessionId);
}

export async function activeSession(page: Page): Promise<string | null> {
  return page.evaluate(() => window.__tether?.activeSession() ?? null);
}

/** Session ids of the tab bar, in order, once every tab has one. */
export async function tabSessions(page: Page, count: number): Promise<string[]> {
  const tabs = page.getByTestId('terminal-tab');
  await expect(tabs).toHaveCount(count);
  await expect
    .poll(async () => (await tabs.evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id') ?? ''))).every(Boolean))
    .toBe(true);
  return tabs.evaluateAll((els) => els.map((e) => e.getAttribute('data-session-id') ?? ''));
}

/** Wait until the session's terminal has printed something (the shell prompt). */
export async function waitForPrompt(page: Page, sessionId: string): Promise<void> {
  await expect.poll(async () => (await terminalText(page, sessionId)).length, { timeout: 20_000 }).toBeGreaterThan(0);
}

/** The agents view's row for the agent named `name`. */
export function agentRow(page: Page, name: string): Locator {
  return page.getByTestId('agent-row').filter({ has: page.getByTestId('agent-name').getByText(name, { exact: true }) });
}

/**
 * Start `command` named `name` from the agents view's form (`press: 'tap'` on a touch screen);
 * returns its session id once its row is listed.
 */
export async function startAgent(page: Page, workspaceId: string, name: string, command: string, press: 'click' | 'tap' = 'click'): Promise<string> {
  const form = page.getByTestId('agent-start');
  await form.getByTestId('agent-start-workspace').selectOption(workspaceId);
  await form.getByTestId('agent-start-command').fill(command);
  await form.getByTestId('agent-start-name').fill(name);
  await form.getByTestId('agent-start-submit')[press]();
  await expect(form.getByTestId('agent-start-command')).toHaveValue(''); // cleared once started
  const row = agentRow(page, name);
  await expect(row).toHaveCount(1);
  const id = await row.getAttribute('data-session-id');
  expect(id).toBeTruthy();
  return id!;
}

export const test = base;
export { expect };
