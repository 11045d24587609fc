/**
 * The workspace layout at a small laptop size (1000×700): with no file open the terminals take
 * the height; the editor/terminal splitter and the sidebar splitter move by pointer and by
 * keyboard and are remembered across a reload; the sidebar hides; the panel maximizes; thirteen
 * terminals stay reachable through the overflow menu; tabs are renamed and keep the name; a
 * full-screen program's title goes when it ends, as does any program title when the terminal
 * exits; closing a running terminal asks first. Terminal sizes are read as the program sees them
 * (`stty size` into a file, read out of band), besides the elements' boxes.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { activeSession, expect, openNewWorkspace, tabSessions, terminalText, test, useGateway, waitForPrompt, workspaceRoot } from './fixtures';

const gateway = useGateway();

test.use({ viewport: { width: 1000, height: 700 } });

const terminalInput = (page: Page) => page.locator('.term-view[data-active="true"] .xterm-helper-textarea');

/** Type a command line into the active terminal. */
async function run(page: Page, line: string): Promise<void> {
  await page.getByTestId('terminal-tab').and(page.locator('[aria-selected="true"]')).click();
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.type(`${line}\n`);
}

let sizeRuns = 0;
/** The active terminal's size as its program sees it: `stty size`, written to a file and read here. */
async function programSize(page: Page, root: string): Promise<{ rows: number; cols: number }> {
  const file = `.size-${++sizeRuns}`;
  await run(page, `stty size > ${file}`);
  let text = '';
  await expect
    .poll(async () => {
      text = await readFile(path.join(root, file), 'utf8').catch(() => '');
      return /^\d+ \d+\n$/.test(text);
    })
    .toBe(true);
  await rm(path.join(root, file), { force: true });
  const [rows, cols] = text.trim().split(' ').map(Number);
  return { rows: rows!, cols: cols! };
}

/** The terminal size once it has settled (a fit runs a frame after a resize). */
async function settledSize(page: Page, root: string, differentFrom?: { rows: number; cols: number }) {
  let size = await programSize(page, root);
  if (differentFrom) {
    await expect
      .poll(async () => {
        size = await programSize(page, root);
        return size.rows !== differentFrom.rows || size.cols !== differentFrom.cols;
      })
      .toBe(true);
  }
  return size;
}

const height = async (page: Page, selector: string) => (await page.locator(selector).boundingBox())?.height ?? 0;

async function openFile(page: Page, name: string): Promise<void> {
  await page.locator(`[data-testid="tree-item"][data-path="${name}"]`).click();
  await expect(page.locator(`[data-testid="editor-tab"][data-path="${name}"]`)).toHaveCount(1);
  await expect(page.locator('.ws-main')).toHaveAttribute('data-editor', 'open');
}

test('with no file open the terminals take the height; an open file gets the editor its share', async ({ page }) => {
  await openNewWorkspace(page, gateway(), 'e2e-layout-empty');
  const root = await workspaceRoot(page);
  await expect(page.locator('.ws-main')).toHaveAttribute('data-editor', 'empty');
  const main = await height(page, '.ws-main');
  expect(await height(page, '.ws-term')).toBeGreaterThan(main * 0.9);
  // 700 px high: the program gets more than the 14 rows the fixed split left it.
  const empty = await programSize(page, root);
  expect(empty.rows).toBeGreaterThan(30);

  await run(page, 'echo hi > a.txt');
  await openFile(page, 'a.txt');
  await expect.poll(async () => (await height(page, '.ws-editor')) / main).toBeGreaterThan(0.5);
  const withFile = await settledSize(page, root, empty);
  expect(withFile.rows).toBeLessThan(empty.rows * 0.6);
});

test('the editor/terminal splitter moves by pointer and keyboard, and the split survives a reload', async ({ page }) => {
  await openNewWorkspace(page, gateway(), 'e2e-layout-split');
  const root = await workspaceRoot(page);
  await run(page, 'echo hi > a.txt');
  await openFile(page, 'a.txt');
  const split = page.getByTestId('editor-split');
  await expect(split).toHaveAttribute('role', 'separator');
  await expect(split).toHaveAttribute('aria-valuenow', '55');
  const before = await settledSize(page, root);

  // Drag it up to a quarter of the column: the terminals grow.
  const mainBox = (await page.locator('.ws-main').boundingBox())!;
  const box = (await split.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, mainBox.y + mainBox.height * 0.25, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => Number(await split.getAttribute('aria-valuenow'))).toBeLessThanOrEqual(26);
  const dragged = await settledSize(page, root, before);
  expect(dragged.rows).toBeGreaterThan(before.rows + 5);

  // The keyboard: three steps down (2% each) give the editor room back.
  await split.focus();
  const now = Number(await split.getAttribute('aria-valuenow'));
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(split).toHaveAttribute('aria-valuenow', String(now + 6));
  const keyed = await settledSize(page, root, dragged);
  expect(keyed.rows).toBeLessThan(dragged.rows);

  // Reload: the split is the user's (localStorage), the file is opened again to show it.
  await page.reload();
  const [s] = await tabSessions(page, 1);
  await waitForPrompt(page, s!);
  await openFile(page, 'a.txt');
  await expect(page.getByTestId('editor-split')).toHaveAttribute('aria-valuenow', String(now + 6));
  await expect.poll(async () => (await programSize(page, root)).rows).toBe(keyed.rows);
});

test('hiding the sidebar widens the terminals; its width is dragged and remembered', async ({ page }) => {
  await openNewWorkspace(page, gateway(), 'e2e-layout-sidebar');
  const root = await workspaceRoot(page);
  const withTree = await settledSize(page, root);

  await page.getByTestId('tree-toggle').click();
  await expect(page.getByTestId('file-tree')).toBeHidden();
  const without = await settledSize(page, root, withTree);
  expect(without.cols).toBeGreaterThan(withTree.cols + 20);
  // The palette's View: Toggle Files (Ctrl-B outside a terminal) brings it back.
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type('toggle files');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('file-tree')).toBeVisible();
  expect((await settledSize(page, root, without)).cols).toBe(withTree.cols);

  // Drag the sidebar's edge 100 px to the right: the terminals get narrower.
  const split = page.getByTestId('sidebar-split');
  await expect(split).toHaveAttribute('aria-valuenow', '260');
  const box = (await split.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => Number(await split.getAttribute('aria-valuenow'))).toBeGreaterThan(340);
  const wide = Number(await split.getAttribute('aria-valuenow'));
  expect((await page.locator('.ws-files').boundingBox())!.width).toBeCloseTo(wide, 0);
  const narrower = await settledSize(page, root, withTree);
  expect(narrower.cols).toBeLessThan(withTree.cols);
  // Left arrow: 10 px narrower.
  await split.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(split).toHaveAttribute('aria-valuenow', String(wide - 10));

  // Hidden and width are both remembered.
  await page.getByTestId('tree-toggle').click();
  await page.reload();
  await expect(page.getByTestId('tree-toggle')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.locator('.ws-files')).toBeHidden();
  await page.getByTestId('tree-toggle').click();
  await expect(page.getByTestId('sidebar-split')).toHaveAttribute('aria-valuenow', String(wide - 10));
  expect((await page.locator('.ws-files').boundingBox())!.width).toBeCloseTo(wide - 10, 0);
});

test('maximize gives the terminals the whole column; restore gives the editor its share back', async ({ page }) => {
  await openNewWorkspace(page, gateway(), 'e2e-layout-max');
  const root = await workspaceRoot(page);
  await run(page, 'echo hi > a.txt');
  await openFile(page, 'a.txt');
  const split = await settledSize(page, root);
  const maximize = page.getByTestId('panel-maximize');
  await expect(maximize).toHaveAttribute('aria-pressed', 'false');

  await maximize.click();
  await expect(maximize).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.ws-editor')).toBeHidden();
  expect(await height(page, '.ws-term')).toBeGreaterThan((await height(page, '.ws-main')) * 0.98);
  const max = await settledSize(page, root, split);
  expect(max.rows).toBeGreaterThan(split.rows * 1.8);

  await maximize.click();
  await expect(page.locator('.ws-editor')).toBeVisible();
  expect((await settledSize(page, root, max)).rows).toBe(split.rows);

  // Maximized again, opening a file from the tree shows the editor.
  await maximize.click();
  await expect(page.locator('.ws-editor')).toBeHidden();
  await page.locator('[data-testid="tree-item"][data-path="a.txt"]').click();
  await expect(page.locator('.ws-editor')).toBeVisible();
  await expect(maximize).toHaveAttribute('aria-pressed', 'false');
});

test('thirteen terminals: the tab strip scrolls and the overflow menu reaches every one', async ({ page }) => {
  test.setTimeout(120_000);
  await openNewWorkspace(page, gateway(), 'e2e-layout-many');
  for (let i = 2; i <= 13; i++) {
    await page.getByTestId('terminal-new').click();
    await expect(page.getByTestId('terminal-tab')).toHaveCount(i);
  }
  const sessions = await tabSessions(page, 13);
  const strip = page.locator('.term-panel [role="tablist"]');
  const inView = async (i: number) => {
    const s = (await strip.boundingBox())!;
    const t = (await page.getByTestId('terminal-tab').nth(i).boundingBox())!;
    return t.x >= s.x - 1 && t.x + t.width <= s.x + s.width + 1;
  };
  // The newest is active and shown; the first is scrolled away.
  await expect.poll(() => inView(12)).toBe(true);
  expect(await inView(0)).toBe(false);

  const list = page.getByTestId('terminal-list');
  await expect(list).toBeVisible();
  await list.click();
  const items = page.getByTestId('terminal-list-menu').getByRole('menuitemradio');
  await expect(items).toHaveCount(13);
  await expect(items.nth(12)).toHaveAttribute('aria-checked', 'true');
  await items.nth(0).click();
  await expect(page.getByTestId('terminal-list-menu')).toHaveCount(0);
  await expect(page.getByTestId('terminal-tab').nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => inView(0)).toBe(true);
  await expect.poll(() => activeSession(page)).toBe(sessions[0]);

  // By keyboard: open the menu, End, Enter reaches the 13th.
  await list.click();
  await expect(items.nth(0)).toBeFocused();
  await page.keyboard.press('End');
  await expect(items.nth(12)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('terminal-tab').nth(12)).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => inView(12)).toBe(true);
  await expect.poll(() => activeSession(page)).toBe(sessions[12]);
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.type('echo thirteen-$((6+7))\n');
  await expect.poll(() => terminalText(page, sessions[12]!)).toContain('thirteen-13');
});

test('a renamed tab keeps its name across a reload; an empty name gives the default back', async ({ page }) => {
  const s = await openNewWorkspace(page, gateway(), 'e2e-layout-rename');
  const tab = page.getByTestId('terminal-tab').first();
  await expect(tab.locator('.tab-label')).toHaveText('Terminal 1');

  await tab.dblclick();
  const input = page.getByTestId('terminal-rename-input');
  await expect(input).toBeFocused();
  await input.fill('build server');
  await page.keyboard.press('Enter');
  await expect(tab.locator('.tab-label')).toHaveText('build server');
  await expect(terminalInput(page)).toBeFocused();
  // The name wins over a program's title.
  await page.keyboard.type("printf '\\033]0;from-program\\007'; echo set-$((1+1))\n");
  await expect.poll(() => terminalText(page, s)).toContain('set-2');
  await expect(tab.locator('.tab-label')).toHaveText('build server');

  await page.reload();
  await tabSessions(page, 1);
  await expect(page.getByTestId('terminal-tab').first().locator('.tab-label')).toHaveText('build server');

  // The palette's Rename Terminal; Esc keeps the name, an empty one clears it.
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type('rename terminal');
  await page.keyboard.press('Enter');
  await expect(input).toBeFocused();
  await expect(input).toHaveValue('build server');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('terminal-tab').first().locator('.tab-label')).toHaveText('build server');
  await page.getByTestId('terminal-tab').first().dblclick();
  await input.fill('');
  await page.keyboard.press('Enter');
  // Back to the program's title, also after a reload (the replay sets it again).
  await expect(page.getByTestId('terminal-tab').first().locator('.tab-label')).toHaveText('from-program');
  await page.reload();
  await tabSessions(page, 1);
  await expect(page.getByTestId('terminal-tab').first().locator('.tab-label')).toHaveText('from-program');
});

test('a program title goes when the program ends: a full-screen one leaving its screen, any when the terminal exits', async ({ page }) => {
  const s = await openNewWorkspace(page, gateway(), 'e2e-layout-title');
  const label = page.getByTestId('terminal-tab').first().locator('.tab-label');
  const before = await label.textContent();

  // A full-screen program (alternate screen, like vim) sets a title, and a parting one as it ends.
  await run(page, "printf '\\033[?1049h\\033]0;busy\\007'; read x; printf '\\033]0;Thanks for flying\\007\\033[?1049l'");
  await expect(label).toHaveText('busy');
  await page.keyboard.press('Enter');
  await expect(label).toHaveText(before!);
  await expect.poll(() => terminalText(page, s)).toContain('read x');

  // A title set on the normal screen stays while the terminal runs, and goes when it exits.
  await run(page, "printf '\\033]0;busy\\007'; sleep 1; exit");
  await expect(label).toHaveText('busy');
  await expect(page.getByTestId('terminal-tab').first()).toHaveAttribute('data-exited', 'true');
  await expect(label).toHaveText('Terminal 1');
  // Also when the page is loaded again (the gateway still says "busy").
  await page.reload();
  await expect(page.getByTestId('terminal-tab').first()).toHaveAttribute('data-exited', 'true');
  await expect(page.getByTestId('terminal-tab').first().locator('.tab-label')).toHaveText('Terminal 1');
});

test('closing a terminal with a program running asks first; Cancel keeps it running', async ({ page }) => {
  const s = await openNewWorkspace(page, gateway(), 'e2e-layout-close');
  const root = await workspaceRoot(page);
  await run(page, 'vim -u NONE -N notes.txt');
  await expect.poll(() => terminalText(page, s)).toContain('~');
  await page.keyboard.type('iunsaved words');
  await page.keyboard.press('Escape');

  const close = page.getByTestId('terminal-close').first();
  await close.click();
  const dialog = page.getByTestId('confirm-close-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('still running');
  await page.getByTestId('cancel-close').click();
  await expect(dialog).toHaveCount(0);
  // Still there and still vim: save through it, read the file out of band.
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.type(':w\n');
  await expect.poll(() => readFile(path.join(root, 'notes.txt'), 'utf8').catch(() => '')).toBe('unsaved words\n');

  // Delete on the focused tab asks the same (the × is the mouse's way); Escape cancels too; then
  // "Kill and close" ends it, and it stays gone.
  await page.getByTestId('terminal-tab').first().focus();
  await page.keyboard.press('Delete');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await close.click();
  await page.getByTestId('confirm-close').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(0);
  await page.reload();
  // (A workspace with no terminal opens a fresh one.)
  const [fresh] = await tabSessions(page, 1);
  expect(fresh).not.toBe(s);
});
