/**
 * Workspaces on an SSH host, against a real OpenSSH server (server/testing/sshd.ts) on 127.0.0.1:
 * adding a host with a pasted key, the host-key prompt, terminals and files on the host, and
 * what a terminal does when the host goes away and comes back.
 */
import type { Locator, Page } from '@playwright/test';
import { findProcesses, terminate } from '../server/os/processes';
import { startSshd, type TestSshd } from '../server/testing/sshd';
import { expect, login, openCreateDialog, tabSessions, terminalText, test, useGateway, waitForPrompt } from './fixtures';

// SSH runners of these tests: their own cache dir on the host, ended with the file's last test.
const RUNNER_CACHE = '.cache/tether-e2e';
const gateway = useGateway({ TETHER_RUNNER_GRACE_HOURS: '0.005', TETHER_RUNNER_CACHE_DIR: RUNNER_CACHE });
let sshd: TestSshd | undefined;

test.beforeAll(async () => {
  sshd = await startSshd();
});
test.afterAll(async () => {
  await sshd?.close();
  await terminate(findProcesses((argv) => argv.some((a) => a.includes(`/${RUNNER_CACHE}/run-`))), 2000);
});

function server(): TestSshd {
  if (!sshd) throw new Error('sshd not started');
  return sshd;
}

function hostRow(page: Page, name: string): Locator {
  return page.locator(`[data-testid="ssh-host-row"][data-host-name="${name}"]`);
}

/** Add the fixture's sshd as host `name` on the Hosts page, signing in with its (unencrypted) client key. */
async function addHost(page: Page, name: string): Promise<Locator> {
  const s = server();
  await page.getByTestId('nav-hosts').click();
  await expect(page).toHaveURL(/\/hosts$/);
  await page.getByTestId('ssh-add-spec').fill(`${s.user}@127.0.0.1:${s.port}`);
  await page.getByTestId('ssh-add-name').fill(name);
  await page.getByTestId('ssh-add-key').fill(s.clientKey.toString('utf8'));
  await page.getByTestId('ssh-add-submit').click();
  const row = hostRow(page, name);
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`${s.user}@127.0.0.1:${s.port}`);
  return row;
}

/** Test the host, accepting its key if this gateway has not seen it yet (another test may have). */
async function connectHost(row: Locator): Promise<void> {
  await row.getByTestId('ssh-test').click();
  const result = row.getByTestId('ssh-test-result');
  await expect(result).toHaveAttribute('data-kind', /^(ok|host_key_unknown)$/, { timeout: 20_000 });
  if ((await result.getAttribute('data-kind')) === 'host_key_unknown') {
    await expect(row.getByTestId('ssh-fingerprint')).toHaveText(server().hostKeyFingerprint());
    await row.getByTestId('ssh-trust-key').click();
  }
  await expect(result).toHaveAttribute('data-kind', 'ok', { timeout: 20_000 });
}

/** Create workspace `name` on host `hostName` in a fresh folder on it (from the home page), and open it. */
async function openWorkspaceOnHost(page: Page, name: string, hostName: string): Promise<void> {
  await page.getByTestId('nav-workspaces').click();
  await expect(page).toHaveURL(/\/$/);
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill(name);
  const runtime = page.getByTestId('create-workspace-runtime');
  const hostId = await runtime.locator('option', { hasText: hostName }).getAttribute('value');
  expect(hostId).toBeTruthy();
  await runtime.selectOption(hostId!);
  await expect(page.getByTestId('create-workspace-root')).toHaveAttribute('placeholder', `~/tether/${name}`);
  const root = await server().makeRemoteDir(name);
  await page.getByTestId('create-workspace-root').fill(root);
  await page.getByTestId('workspace-create').click();
  const link = page.getByTestId('workspace-link').filter({ hasText: name });
  await expect(link).toHaveCount(1, { timeout: 30_000 });
  await expect(link).toContainText(`${hostName}:${root}`);
  await link.click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
}

/** The single terminal of the page, ready for typing. */
async function firstTerminal(page: Page): Promise<string> {
  const [session] = await tabSessions(page, 1);
  await waitForPrompt(page, session!);
  await page.getByTestId('terminal-tab').first().click();
  return session!;
}

test('a host with a pasted key: trust its key, then terminals and files of a workspace on it', async ({ page }) => {
  test.setTimeout(120_000);
  const s = server();
  await login(page, gateway());
  await page.getByTestId('nav-hosts').click();
  await expect(page.getByTestId('ssh-hosts')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('SSH hosts');

  // The first test of this host asks to accept its key, showing exactly sshd's fingerprint.
  const row = await addHost(page, 'e2e-box');
  await row.getByTestId('ssh-test').click();
  const result = row.getByTestId('ssh-test-result');
  await expect(result).toHaveAttribute('data-kind', 'host_key_unknown', { timeout: 20_000 });
  await expect(row.getByTestId('ssh-fingerprint')).toHaveText(s.hostKeyFingerprint());
  await row.getByTestId('ssh-trust-key').click();
  await expect(result).toHaveAttribute('data-kind', 'ok', { timeout: 20_000 });
  await expect(result).toContainText(/^Connected · handshake \d+ ms · round trip [\d.]+ ms$/);

  await openWorkspaceOnHost(page, 'e2e-ssh', 'e2e-box');
  const badge = page.getByTestId('runtime-health');
  await expect(badge).toContainText('e2e-box');
  await expect(badge).toHaveAttribute('data-state', 'ready');

  // A shell on the host. The command line reads "ssh-$((6*7))": only running it prints ssh-42.
  const session = await firstTerminal(page);
  await page.keyboard.type('echo ssh-$((6*7))\n');
  await expect.poll(() => terminalText(page, session)).toContain('ssh-42');
  await expect(badge).toContainText(/ready · [1-9]\d* channels?/);
  // The shell runs in the runner (node is on this host), deployed on first use: its parent is
  // the runner's terminal spawner (Perl), whose parent is the runner.
  await page.keyboard.type('ps -o comm= -p $(ps -o ppid= -p $PPID) | sed "s/^/grandparent-is-/"\n');
  await expect.poll(() => terminalText(page, session)).toContain('grandparent-is-node');

  // A file made on the host shows up in the tree (the runner watches with inotify).
  await page.keyboard.type('touch from-ssh.txt\n');
  await expect(page.locator('[data-testid="tree-item"][data-path="from-ssh.txt"]')).toHaveCount(1, { timeout: 15_000 });

  // The host's runner status says so.
  await page.goto(`${gateway().url}/hosts`);
  const runnerStatus = hostRow(page, 'e2e-box').getByTestId('runner-status');
  await expect(runnerStatus).toHaveAttribute('data-state', 'runner', { timeout: 15_000 });
  await expect(runnerStatus).toContainText(/^Runner \d+\.\d+\.\d+ · node [\d.]+ · (deployed|cached copy) · ready in \d+ ms$/);
});

test('a direct-SSH terminal whose host goes away says so and reopens once the host is back', async ({ page }) => {
  test.setTimeout(150_000);
  const s = server();
  await login(page, gateway());
  const row = await addHost(page, 'e2e-flaky');
  await connectHost(row);
  // Direct SSH: in the runner, a terminal lives on through a lost connection instead.
  await row.getByText('Runner settings').click();
  await row.getByTestId('runner-mode').selectOption('never');
  await row.getByTestId('runner-save').click();
  await expect(row.getByTestId('runner-status')).toHaveText('Direct SSH (runner off for this host)');
  await openWorkspaceOnHost(page, 'e2e-ssh-loss', 'e2e-flaky');
  const badge = page.getByTestId('runtime-health');
  await expect(badge).toHaveAttribute('data-state', 'ready');

  const first = await firstTerminal(page);
  await page.keyboard.type('echo before-$((2+2))\n');
  await expect.poll(() => terminalText(page, first)).toContain('before-4');

  // The host goes down: the terminal says its connection was lost and offers a new one.
  await s.stop();
  await expect.poll(() => terminalText(page, first)).toContain('was lost');
  const bar = page.getByTestId('terminal-lost');
  await expect(bar).toContainText('Connection to the host lost');
  await expect(page.getByTestId('terminal-reopen')).toBeVisible();
  await expect(page.getByTestId('terminal-tab')).toHaveAttribute('data-exited', 'true');
  await expect(badge).not.toHaveAttribute('data-state', 'ready');

  // Back up. The pool backs off after failures, so a reopen may be refused for a while: retry.
  await s.start();
  const reopen = page.getByTestId('terminal-reopen');
  const attempting = page.locator('[data-testid="terminal-reopen"]:disabled');
  await expect(async () => {
    if ((await bar.count()) > 0) {
      await reopen.click({ timeout: 5_000 });
      // This attempt ends when the new terminal opens (the bar goes) or is refused (the button is back).
      await expect(attempting).toHaveCount(0, { timeout: 20_000 });
    }
    if ((await bar.count()) > 0) await expect(page.getByTestId('terminal-reopen-error')).toBeVisible();
    await expect(bar).toHaveCount(0, { timeout: 1_000 });
  }).toPass({ timeout: 60_000, intervals: [1_000] });

  const tab = page.getByTestId('terminal-tab');
  await expect(tab).toHaveCount(1);
  await expect(tab).toHaveAttribute('data-exited', 'false');
  await expect.poll(() => tab.getAttribute('data-session-id')).not.toBe(first);
  const [second] = await tabSessions(page, 1);
  expect(second).not.toBe(first);
  await waitForPrompt(page, second!);
  await tab.click();
  await page.keyboard.type('echo back-$((1+1))\n');
  await expect.poll(() => terminalText(page, second!)).toContain('back-2');
  await expect(badge).toHaveAttribute('data-state', 'ready');

  // The lost session was forgotten: after a reload only the new terminal comes back.
  await page.reload();
  expect(await tabSessions(page, 1)).toEqual([second]);
});
