import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, openNewWorkspace, workspaceRoot, test, useGateway } from './fixtures';

const gateway = useGateway();

async function openWorkspace(page: Page, name: string): Promise<string> {
  await openNewWorkspace(page, gateway(), name);
  return workspaceRoot(page);
}

/** Run a shell command in the active terminal (clicking its tab gives it the keyboard). */
async function inTerminal(page: Page, command: string): Promise<void> {
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type(`${command}\n`);
}

const editorText = (page: Page) => page.evaluate(() => window.__tether?.editor?.text() ?? null);

test('a file made in a terminal appears in the tree; edit, Ctrl-S, exact bytes on disk', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-edit');
  await expect(page.getByTestId('file-tree')).toBeVisible();

  await inTerminal(page, "printf 'one\\n' > hello.txt");
  const item = page.locator('[data-testid="tree-item"][data-path="hello.txt"]');
  await expect(item).toHaveAttribute('data-type', 'file');

  await item.click();
  const tab = page.locator('[data-testid="editor-tab"][data-path="hello.txt"]');
  await expect(tab).toHaveAttribute('data-dirty', 'false');
  await expect.poll(() => editorText(page)).toBe('one\n');
  expect(await page.evaluate(() => window.__tether?.editor?.path())).toBe('hello.txt');

  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('two ünï\tend');
  await expect(tab).toHaveAttribute('data-dirty', 'true');
  await page.keyboard.press('Control+s');
  await expect(tab).toHaveAttribute('data-dirty', 'false');
  expect(readFileSync(path.join(root, 'hello.txt'), 'utf8')).toBe('one\ntwo ünï\tend');

  // The watcher reports our own save; a clean tab stays as it is (no banner, no reload flicker).
  await page.waitForTimeout(300);
  await expect(page.getByTestId('editor-disk-changed')).toHaveCount(0);
  expect(await editorText(page)).toBe('one\ntwo ünï\tend');

  // A change on disk reloads a clean tab by itself.
  await inTerminal(page, "printf 'from the shell\\n' > hello.txt");
  await expect.poll(() => editorText(page)).toBe('from the shell\n');
  await expect(tab).toHaveAttribute('data-dirty', 'false');

  // Keyboard: the tree navigates with arrows and opens with Enter.
  await inTerminal(page, 'mkdir -p sub && printf x > sub/inner.txt');
  const folder = page.locator('[data-testid="tree-item"][data-path="sub"]');
  await expect(folder).toHaveAttribute('data-type', 'dir');
  await folder.click();
  await expect(page.locator('[data-testid="tree-item"][data-path="sub/inner.txt"]')).toHaveCount(1);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="editor-tab"][data-path="sub/inner.txt"]')).toHaveCount(1);
  await expect.poll(() => editorText(page)).toBe('x');
});

test('saving over a change made on disk asks; Overwrite writes the editor text', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-conflict');
  await inTerminal(page, "printf 'start\\n' > f.txt");
  await page.locator('[data-testid="tree-item"][data-path="f.txt"]').click();
  await expect.poll(() => editorText(page)).toBe('start\n');

  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('mine');
  const tab = page.locator('[data-testid="editor-tab"][data-path="f.txt"]');
  await expect(tab).toHaveAttribute('data-dirty', 'true');

  await inTerminal(page, 'echo disk > f.txt');
  await expect(page.getByTestId('editor-disk-changed')).toBeVisible();
  expect(await editorText(page)).toBe('start\nmine');

  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+s');
  const dialog = page.getByTestId('conflict-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('conflict-diff-button').click();
  await expect(dialog.getByTestId('conflict-diff')).toContainText('disk');
  await dialog.getByTestId('conflict-overwrite').click();
  await expect(dialog).toHaveCount(0);
  await expect(tab).toHaveAttribute('data-dirty', 'false');
  expect(readFileSync(path.join(root, 'f.txt'), 'utf8')).toBe('start\nmine');
  await expect(page.getByTestId('editor-disk-changed')).toHaveCount(0);

  // Reload instead: the disk wins and the tab is clean.
  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.type('!');
  await inTerminal(page, 'echo disk2 > f.txt');
  await expect(page.getByTestId('editor-disk-changed')).toBeVisible();
  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+s');
  await page.getByTestId('conflict-reload').click();
  await expect(page.getByTestId('conflict-dialog')).toHaveCount(0);
  await expect.poll(() => editorText(page)).toBe('disk2\n');
  await expect(tab).toHaveAttribute('data-dirty', 'false');
});

test('the tree context menu creates, renames, uploads, downloads and deletes', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-menu');
  const tree = page.getByTestId('file-tree');
  const menu = page.getByTestId('tree-context-menu');
  const item = (p: string) => page.locator(`[data-testid="tree-item"][data-path="${p}"]`);

  // New folder at the root, then a new file inside it (which opens in the editor). Names are typed
  // inline in the tree.
  const name = page.getByTestId('tree-name-input');
  await tree.click({ button: 'right', position: { x: 100, y: 200 } });
  await menu.getByTestId('menu-new-folder').click();
  await name.fill('docs');
  await name.press('Enter');
  await expect(item('docs')).toHaveAttribute('data-type', 'dir');

  await item('docs').click({ button: 'right' });
  await menu.getByTestId('menu-new-file').click();
  await name.fill('a.md');
  await name.press('Enter');
  await expect(item('docs/a.md')).toHaveCount(1);
  await expect(page.locator('[data-testid="editor-tab"][data-path="docs/a.md"]')).toHaveCount(1);

  // A name that exists is refused with the server's message, and the field stays.
  await item('docs').click({ button: 'right' });
  await menu.getByTestId('menu-new-file').click();
  await name.fill('a.md');
  await name.press('Enter');
  await expect(page.getByTestId('tree-name-error')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(name).toHaveCount(0);

  // Rename: the open tab follows the file.
  await item('docs/a.md').click({ button: 'right' });
  await menu.getByTestId('menu-rename').click();
  await name.fill('b.md');
  await name.press('Enter');
  await expect(item('docs/b.md')).toHaveCount(1);
  await expect(item('docs/a.md')).toHaveCount(0);
  await expect(page.locator('[data-testid="editor-tab"][data-path="docs/b.md"]')).toHaveCount(1);
  expect(readFileSync(path.join(root, 'docs/b.md'), 'utf8')).toBe('');

  // Upload into the folder, then download it back.
  await item('docs').click({ button: 'right' });
  await menu.getByTestId('tree-upload-input').setInputFiles({ name: 'up.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 255]) });
  await expect(item('docs/up.bin')).toHaveCount(1);
  expect([...readFileSync(path.join(root, 'docs/up.bin'))]).toEqual([0, 1, 2, 255]);
  await item('docs/up.bin').click();
  await expect(page.getByTestId('editor-readonly')).toContainText('binary');
  await item('docs/up.bin').click({ button: 'right' });
  const [download] = await Promise.all([page.waitForEvent('download'), menu.getByTestId('menu-download').click()]);
  expect(download.suggestedFilename()).toBe('up.bin');
  expect([...readFileSync((await download.path())!)]).toEqual([0, 1, 2, 255]);

  // Delete the folder (confirmed in the dialog): gone from the tree and from disk.
  await item('docs').click({ button: 'right' });
  await menu.getByTestId('menu-delete').click();
  await page.getByTestId('file-confirm-dialog').getByTestId('file-confirm').click();
  await expect(item('docs')).toHaveCount(0);
  await expect(item('docs/b.md')).toHaveCount(0);
  await expect(page.getByTestId('editor-deleted')).toBeVisible();
});

test('Ctrl-P opens a file by name; search finds text and opens the file at the line', async ({ page }) => {
  await openWorkspace(page, 'e2e-find');
  await inTerminal(page, "mkdir -p deep/er && printf 'alpha\\nthe needle here\\n' > deep/er/target.txt");
  // Ctrl-P works from anywhere, a terminal too (e2e/keyboard.spec.ts); here it starts from the tree.
  await page.getByTestId('file-tree').focus();
  await expect(page.locator('[data-testid="tree-item"][data-path="deep"]')).toHaveCount(1);
  await page.keyboard.press('Control+p');
  await page.getByTestId('quick-open-input').fill('targ');
  await expect(page.getByTestId('quick-open-item').first()).toHaveAttribute('data-path', 'deep/er/target.txt');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('quick-open')).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path())).toBe('deep/er/target.txt');
  await page.locator('[data-testid="editor-tab-close"][data-path="deep/er/target.txt"]').click();
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path() ?? null)).toBeNull();

  await page.getByTestId('sidebar-search').click();
  await page.getByTestId('search-input').fill('needle');
  await page.getByTestId('search-input').press('Enter');
  const hit = page.getByTestId('search-result');
  await expect(hit).toHaveCount(1);
  await expect(hit).toHaveAttribute('data-path', 'deep/er/target.txt');
  await expect(hit).toHaveAttribute('data-line', '2');
  await hit.click();
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path())).toBe('deep/er/target.txt');
  await expect.poll(() => editorText(page)).toBe('alpha\nthe needle here\n');
});

test('on a phone one pane shows at a time and opening a file switches to the editor', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 760 });
  await openWorkspace(page, 'e2e-phone');
  await inTerminal(page, "printf 'small\\n' > phone.txt");
  await expect(page.getByTestId('file-tree')).toBeHidden();
  await page.getByTestId('pane-files').click();
  await expect(page.getByTestId('file-tree')).toBeVisible();
  await page.locator('[data-testid="tree-item"][data-path="phone.txt"]').click();
  await expect(page.getByTestId('pane-editor')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('file-tree')).toBeHidden();
  await expect.poll(() => editorText(page)).toBe('small\n');
  await expect(page.locator('.editor-host .cm-content')).toBeVisible();
});
