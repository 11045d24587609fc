/**
 * Live mirrors in the browser: start a mirror from the workspace header, see its state there,
 * pause it, make a conflict (both sides edited while paused), and resolve it in the conflict view
 * — by keyboard with "Keep theirs", then with an edited merge — checking the files on both sides.
 * On a phone the header shows the state and pause works by touch. The dialog passes axe.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, login, openNewWorkspace, test, useGateway, workspaceRoot } from './fixtures';

const gateway = useGateway();
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function checkA11y(page: Page, state: string): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const results = await new AxeBuilder({ page }).options({ runOnly: { type: 'tag', values: TAGS } }).include('[data-testid="mirror-dialog"]').analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const report = bad.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')}`).join('\n');
    expect.soft(bad.map((v) => v.id), `${state} (${colorScheme}) has axe violations:\n${report}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Press Tab until `target` has the focus (a keyboard-only path, whatever lies before it). */
async function tabTo(page: Page, target: Locator, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

async function trpc<T>(page: Page, gwUrl: string, proc: string, input: unknown): Promise<T> {
  const res = await page.request.post(`${gwUrl}/api/trpc/${proc}`, { data: input });
  expect(res.ok(), `${proc}: ${await res.text()}`).toBe(true);
  return ((await res.json()) as { result: { data: T } }).result.data;
}

const text = (p: string) => readFile(p, 'utf8').catch(() => null);

test('start a mirror, see its state, make a conflict and resolve it in the UI', async ({ page }) => {
  test.setTimeout(180_000);
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-mirror-here');
  const here = await workspaceRoot(page);
  const other = await trpc<{ id: string; root: string }>(page, gw.url, 'workspaces.create', { name: 'e2e-mirror-there' });
  await writeFile(path.join(here, 'plan.md'), 'v1\n');

  const status = page.getByTestId('mirror-status');
  await expect(status).toHaveAttribute('data-state', 'none');
  await status.click();
  const dialog = page.getByTestId('mirror-dialog');
  await expect(dialog.getByTestId('mirror-peer')).toHaveValue(other.id);
  await checkA11y(page, 'create form');
  await dialog.getByTestId('mirror-create').click();
  await expect(dialog.getByTestId('mirror-state')).toHaveAttribute('data-state', 'in-sync', { timeout: 30_000 });
  await expect.poll(() => text(path.join(other.root, 'plan.md'))).toBe('v1\n');
  await expect(status).toContainText('In sync');
  await expect(dialog.getByTestId('mirror-transfers')).toContainText('plan.md');
  await checkA11y(page, 'mirror in sync');

  // Pause, edit both sides, resume: a conflict, and neither side overwritten.
  await dialog.getByTestId('mirror-pause').click();
  await expect(dialog.getByTestId('mirror-state')).toHaveAttribute('data-state', 'paused');
  await expect(status).toContainText('Paused');
  await writeFile(path.join(here, 'plan.md'), 'mine\n');
  await writeFile(path.join(other.root, 'plan.md'), 'theirs\n');
  await dialog.getByTestId('mirror-resume').click();
  await expect(status).toContainText('1 conflict', { timeout: 30_000 });
  expect(await text(path.join(here, 'plan.md'))).toBe('mine\n');
  expect(await text(path.join(other.root, 'plan.md'))).toBe('theirs\n');

  // Resolve by keyboard: to the conflict, open it, to "Keep theirs", Enter.
  const open = dialog.getByTestId('mirror-conflict-open');
  await expect(open).toBeVisible();
  await tabTo(page, open);
  await page.keyboard.press('Enter');
  const conflict = dialog.getByTestId('mirror-conflict');
  await expect(conflict.getByTestId('mirror-conflict-diff')).toContainText('theirs');
  await expect(conflict.getByTestId('mirror-conflict-diff')).toContainText('mine');
  await checkA11y(page, 'conflict view');
  await tabTo(page, conflict.getByTestId('mirror-keep-theirs'));
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('mirror-state')).toHaveAttribute('data-state', 'in-sync', { timeout: 30_000 });
  expect(await text(path.join(here, 'plan.md'))).toBe('theirs\n');
  expect(await text(path.join(other.root, 'plan.md'))).toBe('theirs\n');

  // Again, and this time save an edited merge: both sides get it.
  await dialog.getByTestId('mirror-pause').click();
  await expect(dialog.getByTestId('mirror-state')).toHaveAttribute('data-state', 'paused');
  await writeFile(path.join(here, 'plan.md'), 'mine again\n');
  await writeFile(path.join(other.root, 'plan.md'), 'theirs again\n');
  await dialog.getByTestId('mirror-resume').click();
  await expect(status).toContainText('1 conflict', { timeout: 30_000 });
  await dialog.getByTestId('mirror-conflict-open').click();
  const editor = conflict.locator('.cm-merge-a .cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('merged by hand');
  await conflict.getByTestId('mirror-save-merged').click();
  await expect(dialog.getByTestId('mirror-state')).toHaveAttribute('data-state', 'in-sync', { timeout: 30_000 });
  expect(await text(path.join(here, 'plan.md'))).toBe('mine again\nmerged by hand');
  expect(await text(path.join(other.root, 'plan.md'))).toBe('mine again\nmerged by hand');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(status).toBeFocused();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the header shows the mirror state, and pause works by touch', async ({ page }) => {
    test.setTimeout(120_000);
    const gw = gateway();
    await login(page, gw, '/?home=1');
    const a = await trpc<{ id: string; root: string }>(page, gw.url, 'workspaces.create', { name: 'e2e-phone-a' });
    const b = await trpc<{ id: string; root: string }>(page, gw.url, 'workspaces.create', { name: 'e2e-phone-b' });
    await writeFile(path.join(a.root, 'note.txt'), 'from the phone test\n');
    await trpc(page, gw.url, 'mirrors.create', { workspaceId: a.id, peerWorkspaceId: b.id });
    await page.goto(`${gw.url}/w/${a.id}`);
    const status = page.getByTestId('mirror-status');
    await expect(status).toBeVisible();
    await expect(status).toContainText('In sync', { timeout: 30_000 });
    await expect.poll(() => text(path.join(b.root, 'note.txt'))).toBe('from the phone test\n');
    await status.tap();
    const dialog = page.getByTestId('mirror-dialog');
    await dialog.getByTestId('mirror-pause').tap();
    await expect(status).toContainText('Paused');
    await dialog.getByTestId('mirror-resume').tap();
    await expect(status).toContainText('In sync', { timeout: 30_000 });
  });
});
