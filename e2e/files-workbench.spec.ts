/**
 * The files panel as a workbench: files dropped on the tree (a folder row, empty space), progress
 * of a large upload, New file / New folder from the header, F2 and Delete on the tree, the
 * empty-workspace hint — by keyboard where there are keys — and a local workspace on an existing
 * folder of this machine (admins only).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { UserService } from '../server/auth/users';
import { openDatabase } from '../server/db/database';
import { expect, login, openCreateDialog, openNewWorkspace, test, useGateway, workspaceRoot } from './fixtures';

const gateway = useGateway();
// Each test opens a workspace (a shell start, ~20 s on a loaded machine) before its own steps.
test.describe.configure({ timeout: 120_000 });
const MB = 1024 * 1024;

const item = (page: Page, p: string) => page.locator(`[data-testid="tree-item"][data-path="${p}"]`);
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

async function openWorkspace(page: Page, name: string): Promise<string> {
  await openNewWorkspace(page, gateway(), name);
  return workspaceRoot(page);
}

/** Move the keyboard to the file tree with F6 (it cycles tree → editor → terminal). */
async function keyboardToTree(page: Page): Promise<void> {
  for (let i = 0; i < 4 && (await focusedTestId(page)) !== 'file-tree'; i++) await page.keyboard.press('F6');
  expect(await focusedTestId(page)).toBe('file-tree');
}

/** Shift-Tab from where the focus is until `testId` has it (keyboard only). */
async function shiftTabTo(page: Page, testId: string): Promise<void> {
  for (let i = 0; i < 12 && (await focusedTestId(page)) !== testId; i++) await page.keyboard.press('Shift+Tab');
  expect(await focusedTestId(page)).toBe(testId);
}

/**
 * Drag files over `target` and drop them, as a desktop file manager would: a DataTransfer made in
 * the page holding generated files (`fill` bytes of `size`, or `text`).
 */
async function dropFiles(page: Page, target: Locator, files: { name: string; text?: string; size?: number }[], beforeDrop?: () => Promise<void>) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text ?? new Uint8Array(f.size ?? 0)], f.name));
    return dt;
  }, files);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await beforeDrop?.();
  await target.dispatchEvent('drop', { dataTransfer });
}

test('files dropped on a folder row or empty space upload there, several at once; a name that exists asks first', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-drop');
  mkdirSync(path.join(root, 'inbox'));
  await expect(item(page, 'inbox')).toHaveAttribute('data-type', 'dir');

  // Onto the folder row: the row is highlighted while dragged over, then both files land in it.
  await dropFiles(page, item(page, 'inbox'), [{ name: 'a.txt', text: 'alpha\n' }, { name: 'b.md', text: '# beta\n' }], async () => {
    await expect(item(page, 'inbox')).toHaveAttribute('data-drop-target', 'true');
  });
  await expect(item(page, 'inbox/a.txt')).toHaveCount(1);
  await expect(item(page, 'inbox/b.md')).toHaveCount(1);
  expect(readFileSync(path.join(root, 'inbox/a.txt'), 'utf8')).toBe('alpha\n');
  expect(readFileSync(path.join(root, 'inbox/b.md'), 'utf8')).toBe('# beta\n');
  await expect(item(page, 'inbox')).not.toHaveAttribute('data-drop-target', 'true');

  // Onto the tree's empty space: the root.
  const tree = page.getByTestId('file-tree');
  await dropFiles(page, tree, [{ name: 'top.txt', text: 'top' }], async () => {
    await expect(page.locator('.file-tree-wrap')).toHaveAttribute('data-drop-target', 'root');
  });
  await expect(item(page, 'top.txt')).toHaveCount(1);
  expect(readFileSync(path.join(root, 'top.txt'), 'utf8')).toBe('top');

  // The same name again: the dialog asks; Cancel keeps the old bytes, Replace (Enter) writes the new.
  await dropFiles(page, tree, [{ name: 'top.txt', text: 'new top' }]);
  const dialog = page.getByTestId('file-confirm-dialog');
  await expect(dialog).toContainText('Replace top.txt?');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(readFileSync(path.join(root, 'top.txt'), 'utf8')).toBe('top');
  await dropFiles(page, tree, [{ name: 'top.txt', text: 'new top' }]);
  await expect(dialog.getByTestId('file-confirm')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(() => readFileSync(path.join(root, 'top.txt'), 'utf8')).toBe('new top');

  // Over the limit: refused in the panel before a byte is sent; the file of that name is untouched.
  await dropFiles(page, item(page, 'inbox'), [{ name: 'a.txt', size: 100 * MB + 1 }]);
  await expect(page.getByTestId('upload-error')).toContainText('uploads are limited to 100.0 MB per file');
  expect(readFileSync(path.join(root, 'inbox/a.txt'), 'utf8')).toBe('alpha\n');
  await page.getByTestId('upload-error').getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByTestId('upload-error')).toHaveCount(0);
});

test('a large upload shows its progress (bytes and percent) in the files panel', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-progress');
  // Slow the page's uploads to ~6 MB/s so progress is seen on any machine, not only a slow one.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 6 * MB });
  await dropFiles(page, page.getByTestId('file-tree'), [{ name: 'big.bin', size: 30 * MB }]);
  const bar = page.getByRole('progressbar', { name: 'Uploading big.bin' });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9][0-9]?$/);
  await expect(page.getByTestId('upload-item')).toContainText(/MB of 30\.0 MB \(\d+%\)/);
  await expect(item(page, 'big.bin')).toHaveCount(1, { timeout: 60_000 });
  await expect(bar).toHaveCount(0);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  expect(statSync(path.join(root, 'big.bin')).size).toBe(30 * MB);
});

test('empty hint, then New folder and New file from the header by keyboard, with inline errors', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-new');
  const hint = page.getByTestId('tree-empty-hint');
  await expect(hint).toContainText('This workspace is empty.');
  await expect(hint).toContainText('drop files here');
  await expect(page.getByRole('button', { name: 'New file' }).first()).toHaveAttribute('title', /New file/);

  await keyboardToTree(page);
  await shiftTabTo(page, 'files-new-folder');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tree-name-input')).toBeFocused();
  await page.keyboard.type('src');
  await page.keyboard.press('Enter');
  await expect(item(page, 'src')).toHaveAttribute('data-type', 'dir');
  expect(statSync(path.join(root, 'src')).isDirectory()).toBe(true);
  await expect(hint).toHaveCount(0);
  // The tree has the focus back, on the new folder.
  await expect(page.getByTestId('file-tree')).toBeFocused();
  await expect(item(page, 'src')).toHaveAttribute('data-selected', 'true');

  // New file goes into the selected folder. A bad name is refused inline, the field keeps the focus.
  await shiftTabTo(page, 'files-new-file');
  await page.keyboard.press('Enter');
  await page.keyboard.type('a/b');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tree-name-error')).toHaveText('A name cannot contain "/".');
  await expect(page.getByTestId('tree-name-input')).toBeFocused();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('main.ts');
  await page.keyboard.press('Enter');
  await expect(item(page, 'src/main.ts')).toHaveCount(1);
  expect(readFileSync(path.join(root, 'src/main.ts'), 'utf8')).toBe('');
  await expect(page.locator('[data-testid="editor-tab"][data-path="src/main.ts"]')).toHaveCount(1);

  // A name that exists: the server's refusal, inline; Escape gives up and the tree has the keys again.
  await keyboardToTree(page);
  await shiftTabTo(page, 'files-new-file');
  await page.keyboard.press('Enter');
  await page.keyboard.type('main.ts');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tree-name-error')).toContainText('already exists');
  const axe = await new AxeBuilder({ page }).include('.file-tree-wrap').analyze();
  expect(axe.violations).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('tree-name-input')).toHaveCount(0);
  await expect(page.getByTestId('file-tree')).toBeFocused();
});

test('F2 renames inline and Delete deletes after a confirmation, keyboard only', async ({ page }) => {
  const root = await openWorkspace(page, 'e2e-keys');
  mkdirSync(path.join(root, 'old'));
  writeFileSync(path.join(root, 'old/inner.txt'), 'x');
  writeFileSync(path.join(root, 'notes.txt'), 'keep my bytes');
  await expect(item(page, 'notes.txt')).toHaveCount(1);

  await keyboardToTree(page);
  await page.keyboard.press('ArrowDown'); // old
  await page.keyboard.press('ArrowDown'); // notes.txt
  await expect(item(page, 'notes.txt')).toHaveAttribute('data-selected', 'true');
  await page.keyboard.press('F2');
  const input = page.getByTestId('tree-name-input');
  await expect(input).toBeFocused();
  await expect(input).toHaveValue('notes.txt');
  // The name without its extension is selected: typing replaces just that.
  await page.keyboard.type('todo');
  await page.keyboard.press('Enter');
  await expect(item(page, 'todo.txt')).toHaveCount(1);
  await expect(item(page, 'notes.txt')).toHaveCount(0);
  expect(readFileSync(path.join(root, 'todo.txt'), 'utf8')).toBe('keep my bytes');
  await expect(page.getByTestId('file-tree')).toBeFocused();

  // Delete asks; Escape keeps the folder.
  await page.keyboard.press('ArrowUp');
  await expect(item(page, 'old')).toHaveAttribute('data-selected', 'true');
  await page.keyboard.press('Delete');
  const dialog = page.getByTestId('file-confirm-dialog');
  await expect(dialog).toContainText('Delete old?');
  await expect(dialog).toContainText('everything in it');
  const axe = await new AxeBuilder({ page }).include('[data-testid="file-confirm-dialog"]').analyze();
  expect(axe.violations).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(existsSync(path.join(root, 'old/inner.txt'))).toBe(true);
  await expect(page.getByTestId('file-tree')).toBeFocused();

  // Delete again, Enter confirms: gone from disk and tree; the selection moves on.
  await page.keyboard.press('Delete');
  await expect(dialog.getByTestId('file-confirm')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(item(page, 'old')).toHaveCount(0);
  expect(existsSync(path.join(root, 'old'))).toBe(false);
  await expect(item(page, 'todo.txt')).toHaveAttribute('data-selected', 'true');

  // F2 and Delete typed in the editor are the editor's: the tree's file stays.
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path() ?? null)).toBe('todo.txt');
  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Delete');
  await page.keyboard.press('F2');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('tree-name-input')).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => window.__tether?.editor?.text() ?? null)).toBe('eep my bytes');
  expect(existsSync(path.join(root, 'todo.txt'))).toBe(true);
});

test('an admin opens an existing folder of this machine; errors show at the field; a user never sees it', async ({ page, browser }) => {
  const gw = gateway();
  const folder = mkdtempSync(path.join(tmpdir(), 'tether-e2e-existing-'));
  try {
    mkdirSync(path.join(folder, 'lib'));
    writeFileSync(path.join(folder, 'hello.md'), '# made by the test\n');
    await login(page, gw, '/?home=1');
    await openCreateDialog(page);
    const field = page.getByTestId('create-workspace-local-root');
    await expect(field).toBeVisible();
    await expect(page.getByLabel('Existing folder on this machine')).toBeVisible();

    await page.getByTestId('workspace-name-input').fill('e2e-existing');
    await field.fill('relative/path');
    await page.getByTestId('workspace-create').click();
    await expect(page.getByTestId('create-workspace-local-root-error')).toContainText('absolute path');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await field.fill(gw.dataDir);
    await page.getByTestId('workspace-create').click();
    await expect(page.getByTestId('create-workspace-local-root-error')).toContainText("gateway's own data folder");
    await field.fill(path.join(folder, 'hello.md'));
    await page.getByTestId('workspace-create').click();
    await expect(page.getByTestId('create-workspace-local-root-error')).toContainText('is a file, not a folder');
    await page.mouse.move(0, 0); // not hovering a button: axe checks the resting colours
    const axe = await new AxeBuilder({ page }).include('.create-form').analyze();
    expect(axe.violations).toEqual([]);

    await field.fill(folder);
    await page.getByTestId('workspace-create').click();
    const link = page.getByTestId('workspace-link').filter({ hasText: 'e2e-existing' });
    await expect(link).toHaveCount(1);
    await link.click();
    await expect(item(page, 'hello.md')).toHaveCount(1);
    await expect(item(page, 'lib')).toHaveAttribute('data-type', 'dir');
    expect(await workspaceRoot(page)).toBe(folder);

    // A plain user: no such field (and the server refuses the path anyway, see local-folder tests).
    const password = 'plain-user-password';
    const dbh = await openDatabase(path.join(gw.dataDir, 'tether.db'));
    try {
      await new UserService(dbh).create('plain', password, 'user');
    } finally {
      await dbh.close();
    }
    const context = await browser.newContext();
    try {
      const other = await context.newPage();
      await login(other, { ...gw, username: 'plain', password }, '/?home=1');
      await expect(other.getByTestId('user-name')).toHaveText('plain');
      await openCreateDialog(other);
      await expect(other.getByTestId('create-workspace-local-root')).toHaveCount(0);
    } finally {
      await context.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
