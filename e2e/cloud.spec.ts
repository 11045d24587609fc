/**
 * Cloud workspaces: a workspace on a cloud worker (from the warm pool, or started on demand) with
 * its runtime badge, a terminal and files on the worker; and the admin's view of the pool. Each
 * test makes its own cloud workspace.
 */
import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, login, openCreateDialog, tabSessions, terminalText, test, useGateway, waitForPrompt } from './fixtures';

// The tests of this file make three cloud workspaces as one user, the default per-user limit:
// leave room so that one more test does not run into it.
const gateway = useGateway({ TETHER_CLOUD_MAX_PER_USER: '10' });

/** Starting a worker (when the warm pool is empty) may take a few seconds. */
const WORKER_TIMEOUT_MS = 30_000;

const editorText = (page: Page) => page.evaluate(() => window.__tether?.editor?.text() ?? null);

/** Create workspace `name` on a cloud worker of the default size, from the home page, cloning `clone` if given. */
async function createCloudWorkspace(page: Page, name: string, clone = ''): Promise<void> {
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill(name);
  const runtime = page.getByTestId('create-workspace-runtime');
  await expect(runtime.locator('option[value="cloud"]')).toHaveText('Cloud worker');
  await runtime.selectOption('cloud');
  await expect(page.getByTestId('create-workspace-size')).toHaveValue('small');
  await expect(page.getByTestId('create-workspace-clone')).toHaveAttribute('placeholder', 'https://github.com/… (optional)');
  await page.getByTestId('create-workspace-clone').fill(clone);
  await page.getByTestId('workspace-create').click();
  const link = page.getByTestId('workspace-link').filter({ hasText: name });
  await expect(link).toHaveCount(1, { timeout: WORKER_TIMEOUT_MS + 30_000 });
  await expect(link.getByTestId('workspace-kind')).toHaveText('cloud');
  // The dialog closed with its error and progress lines.
  await expect(page.getByTestId('create-dialog')).toHaveCount(0);
  await expect(page.getByTestId('workspace-name-error')).toHaveCount(0);
  await expect(page.getByTestId('create-workspace-progress')).toHaveCount(0);
}

test('a workspace on a cloud worker: badge, terminal and files on the worker', async ({ page }) => {
  test.setTimeout(150_000);
  await login(page, gateway());
  await createCloudWorkspace(page, 'e2e-cloud');
  await page.getByTestId('workspace-link').filter({ hasText: 'e2e-cloud' }).click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');

  // The worker serving the workspace reads as ready (its state is 'assigned' in the pool's words).
  const badge = page.getByTestId('runtime-health');
  await expect(badge).toContainText('Cloud · ready', { timeout: WORKER_TIMEOUT_MS });
  await expect(badge).toHaveAttribute('data-state', /^(ready|assigned)$/);

  // A shell on the worker. The command line reads "cloud-$((6*7))": only running it prints cloud-42.
  const [session] = await tabSessions(page, 1);
  await waitForPrompt(page, session!);
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type('echo cloud-$((6*7))\n');
  await expect.poll(() => terminalText(page, session!)).toContain('cloud-42');

  // A file made on the worker shows up in the tree, and opens in the editor.
  await page.keyboard.type('touch from-cloud.txt\n');
  const item = page.locator('[data-testid="tree-item"][data-path="from-cloud.txt"]');
  await expect(item).toHaveCount(1, { timeout: 15_000 });
  await item.click();
  await expect(page.locator('[data-testid="editor-tab"][data-path="from-cloud.txt"]')).toHaveCount(1);
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path())).toBe('from-cloud.txt');
  await expect.poll(() => editorText(page)).toBe('');
  await expect(badge).toContainText('Cloud · ready');
});

test('the admin sees the warm pool and the worker assigned to a new cloud workspace', async ({ page }) => {
  test.setTimeout(120_000);
  const gw = gateway();
  await login(page, gw);
  // The pool has its own page, linked for admins.
  await page.getByTestId('nav-cloud').click();
  await expect(page).toHaveURL(/\/cloud$/);
  await expect(page.getByTestId('nav-cloud')).toHaveAttribute('aria-current', 'page');
  const section = page.getByTestId('cloud-pool');
  await expect(section).toBeVisible();
  await expect(section.getByRole('heading', { level: 1, name: 'Cloud workers' })).toBeVisible();
  await expect(section.getByTestId('cloud-pool-provider')).not.toBeEmpty();
  await expect(section.getByTestId('cloud-pool-sandbox')).not.toBeEmpty();

  await page.getByTestId('nav-workspaces').click();
  await createCloudWorkspace(page, 'e2e-cloud-admin');
  await page.getByTestId('nav-cloud').click();

  // The pool is polled every 5 s: the new workspace's worker shows up as assigned, to this admin.
  const summary = section.getByTestId('cloud-pool-summary');
  await expect(summary).toHaveText(/^warm \d+ \/ target \d+ · starting \d+ · assigned [1-9]\d*$/, { timeout: 15_000 });
  const assigned = section.locator('[data-testid="cloud-worker-row"][data-state="assigned"]');
  await expect.poll(() => assigned.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  await expect(assigned.filter({ hasText: gw.username }).first()).toBeVisible();

  // The summary's numbers are the table's: as many assigned rows as the summary says.
  const said = Number(await summary.getAttribute('data-assigned'));
  await expect(assigned).toHaveCount(said);
  const target = Number(await summary.getAttribute('data-warm-target'));
  expect(Number.isInteger(target) && target >= 0).toBe(true);
});

test('a new cloud workspace can start as a clone of a repository; a bad source says why', async ({ page }) => {
  test.setTimeout(120_000);
  // A repository on the server's disk (admins may clone those), with one committed file.
  const repo = await mkdtemp(path.join(tmpdir(), 'tether-e2e-repo-'));
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    await writeFile(path.join(repo, 'cloned.txt'), 'from the repository\n');
    git('add', 'cloned.txt');
    git('-c', 'user.name=e2e', '-c', 'user.email=e2e@example.com', 'commit', '-q', '-m', 'first');

    await login(page, gateway());
    // Not a repository: refused with the reason, and no workspace is made.
    await createCloudWorkspaceExpectingError(page, 'e2e-not-a-repo', tmpdir());
    await expect(page.getByTestId('workspace-link').filter({ hasText: 'e2e-not-a-repo' })).toHaveCount(0);

    await createCloudWorkspace(page, 'e2e-cloned', repo);
    await page.getByTestId('workspace-link').filter({ hasText: 'e2e-cloned' }).click();
    await expect(page).toHaveURL(/\/w\/[^/]+$/);
    await expect(page.locator('[data-testid="tree-item"][data-path="cloned.txt"]')).toHaveCount(1, { timeout: 15_000 });
    await page.locator('[data-testid="tree-item"][data-path="cloned.txt"]').click();
    await expect.poll(() => editorText(page)).toBe('from the repository\n');
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
});

async function createCloudWorkspaceExpectingError(page: Page, name: string, clone: string): Promise<void> {
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill(name);
  await page.getByTestId('create-workspace-runtime').selectOption('cloud');
  await page.getByTestId('create-workspace-clone').fill(clone);
  await page.getByTestId('workspace-create').click();
  await expect(page.getByTestId('workspace-name-error')).toContainText('not a git repository', { timeout: WORKER_TIMEOUT_MS });
  await expect(page.getByTestId('workspace-create')).toBeEnabled();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('create-dialog')).toHaveCount(0);
}
