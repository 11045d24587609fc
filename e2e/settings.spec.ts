/**
 * Settings and themes (workbench issue, item 3): per-user settings changed on /settings by
 * keyboard alone, applied live to a terminal open in another tab, kept across a reload and for
 * the same user in another browser; `theme: system` following prefers-color-scheme live, the light
 * theme passing axe's contrast check; the status bar (git branch, runtime, connection); folder
 * hints on same-named editor tabs; auto-closing brackets and word completion in the editor; the
 * match marked in search results.
 *
 * Every test here signs in as the same user, so each sets the settings it depends on first.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type { Settings, SettingsPatch } from '../lib/shared/settings';
import { expect, login, openNewWorkspace, tabSessions, test, useGateway, waitForPrompt, type Gateway } from './fixtures';

const gateway = useGateway();

async function setSettings(page: Page, patch: SettingsPatch): Promise<void> {
  const res = await page.request.post(`${gateway().url}/api/trpc/settings.update`, { data: patch });
  expect(res.ok()).toBe(true);
}

/** The xterm options of a terminal as the page has them now. */
const look = (page: Page, sessionId: string) => page.evaluate((id) => window.__tether?.terminals[id]?.look() ?? null, sessionId);
const bodyBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const editorText = (page: Page) => page.evaluate(() => window.__tether?.editor?.text() ?? null);

const DARK_BG = 'rgb(13, 17, 23)';
const LIGHT_BG = 'rgb(255, 255, 255)';

/** Press Tab until the element with `testId` has the focus (keyboard only, whatever comes before it). */
async function tabTo(page: Page, testId: string, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((id) => document.activeElement?.getAttribute('data-testid') === id, testId)) return;
  }
  throw new Error(`Tab never reached ${testId}`);
}

async function inTerminal(page: Page, command: string): Promise<void> {
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type(`${command}\n`);
}

/** The one terminal of a workspace page just loaded (a reload on a busy machine can take a while). */
async function onlySession(page: Page): Promise<string> {
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1, { timeout: 45_000 });
  const [id] = await tabSessions(page, 1);
  await waitForPrompt(page, id!);
  return id!;
}

async function storedSettings(page: Page, gw: Gateway): Promise<Settings> {
  const res = await page.request.get(`${gw.url}/api/trpc/settings.get`);
  return ((await res.json()) as { result: { data: Settings } }).result.data;
}

test('settings change by keyboard on /settings, apply to an open terminal at once, and persist for the user', async ({ page, browser }) => {
  // Three browsers' worth of workspace pages on a shared machine.
  test.setTimeout(180_000);
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-settings');
  await setSettings(page, { theme: 'system', terminalFontSize: 13, terminalCursorStyle: 'block' });
  await page.reload();
  await waitForPrompt(page, session);
  // Playwright's browser prefers light: `system` draws the light theme.
  await expect.poll(() => look(page, session)).toMatchObject({ fontSize: 13, background: '#ffffff', cursorStyle: 'block' });
  await expect.poll(() => bodyBackground(page)).toBe(LIGHT_BG);
  const workspaceUrl = page.url();

  // The settings page in a second tab of the same browser.
  const second = await page.context().newPage();
  await second.goto(`${gw.url}/settings`);
  await expect(second.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(second.getByTestId('theme-system')).toBeEnabled();

  // Keyboard only: Tab to the theme radios, arrow to Dark; Tab to the font size, type 18.
  await second.locator('body').focus();
  await tabTo(second, 'theme-system');
  await second.keyboard.press('ArrowDown');
  await expect(second.getByTestId('theme-dark')).toBeChecked();
  await expect(second.getByTestId('settings-status')).toHaveText('Saved.');
  await tabTo(second, 'terminal-font-size');
  await second.keyboard.press('Control+a');
  await second.keyboard.type('18');
  await tabTo(second, 'terminal-cursor-style');
  await second.keyboard.press('ArrowDown'); // block → bar
  await expect(second.getByTestId('terminal-cursor-style')).toHaveValue('bar');
  await expect.poll(() => storedSettings(second, gw)).toMatchObject({ theme: 'dark', terminalFontSize: 18, terminalCursorStyle: 'bar' });
  await expect.poll(() => bodyBackground(second)).toBe(DARK_BG);

  // The terminal open in the first tab follows without a reload.
  await expect.poll(() => look(page, session)).toMatchObject({ fontSize: 18, background: '#010409', cursorStyle: 'bar' });
  await expect.poll(() => bodyBackground(page)).toBe(DARK_BG);

  // A number out of range is explained and not saved.
  await second.getByTestId('terminal-scrollback').focus();
  await second.keyboard.press('Control+a');
  await second.keyboard.type('50');
  await expect(second.getByTestId('terminal-scrollback')).toHaveAttribute('aria-invalid', 'true');
  await expect(second.getByText('A whole number from 1,000 to 100,000')).toBeVisible();
  await second.keyboard.type('00'); // 5000
  await expect.poll(async () => (await storedSettings(second, gw)).terminalScrollback).toBe(5000);
  await expect.poll(() => look(page, session)).toMatchObject({ scrollback: 5000 });

  await second.close();

  // Ctrl-, from a terminal opens the settings; their Back link returns to the workspace.
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.press('Control+Comma');
  await expect(page).toHaveURL(/\/settings\?from=/);
  await expect(page.getByTestId('terminal-font-size')).toHaveValue('18');
  await page.getByTestId('settings-back').click();
  await expect(page).toHaveURL(workspaceUrl);

  // Opened again, the terminal is made with the stored settings.
  const afterReload = await onlySession(page);
  await expect.poll(() => look(page, afterReload)).toMatchObject({ fontSize: 18, background: '#010409', cursorStyle: 'bar', scrollback: 5000 });

  // The same user in another browser (no shared storage): the gateway has them.
  const other = await browser.newContext();
  try {
    const otherPage = await other.newPage();
    await login(otherPage, gw, '/settings');
    await expect(otherPage.getByTestId('theme-dark')).toBeChecked();
    await expect(otherPage.getByTestId('terminal-font-size')).toHaveValue('18');
    await expect.poll(() => bodyBackground(otherPage)).toBe(DARK_BG);
    await otherPage.goto(workspaceUrl);
    const otherSession = await onlySession(otherPage);
    await expect.poll(() => look(otherPage, otherSession)).toMatchObject({ fontSize: 18, background: '#010409' });
  } finally {
    await other.close();
  }

  // The settings page passes axe, and lists the keyboard shortcuts from the command table.
  await page.goto(`${gw.url}/settings`);
  await expect(page.getByTestId('theme-dark')).toBeChecked();
  await expect(page.getByTestId('keybinding-table').locator('tr[data-command="workbench.openSettings"]')).toContainText('Ctrl+,');
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
});

test('theme "system" follows prefers-color-scheme live; the light theme passes the contrast check', async ({ page }) => {
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-theme');
  await setSettings(page, { theme: 'system' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await waitForPrompt(page, session);
  await expect.poll(() => bodyBackground(page)).toBe(DARK_BG);
  await expect.poll(() => look(page, session)).toMatchObject({ background: '#010409' });

  // The browser switches to light: the page, the terminal and the editor follow, no reload.
  await inTerminal(page, "printf 'const word = 1; // comment\\n' > light.ts");
  await page.locator('[data-testid="tree-item"][data-path="light.ts"]').click();
  await expect.poll(() => editorText(page)).toBe('const word = 1; // comment\n');
  const editorBg = () => page.locator('.editor-host .cm-editor').evaluate((e) => getComputedStyle(e).backgroundColor);
  await expect.poll(editorBg).not.toBe(LIGHT_BG);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect.poll(() => bodyBackground(page)).toBe(LIGHT_BG);
  await expect.poll(() => look(page, session)).toMatchObject({ background: '#ffffff' });
  await expect.poll(editorBg).toBe(LIGHT_BG);

  // Search results with their marks, the status bar, a file open: no text below AA contrast.
  await page.getByTestId('sidebar-search').click();
  await page.getByTestId('search-input').fill('word');
  await page.getByTestId('search-input').press('Enter');
  await expect(page.getByTestId('search-match')).toHaveCount(1);
  await expect(page.getByTestId('status-bar')).toContainText('Connected');
  const axe = await new AxeBuilder({ page }).withRules(['color-contrast']).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`))).toEqual([]);

  // An explicit choice wins over the browser's preference.
  await setSettings(page, { theme: 'dark' });
  await page.reload();
  await expect.poll(() => bodyBackground(page)).toBe(DARK_BG);
  await setSettings(page, { theme: 'light' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload();
  await expect.poll(() => bodyBackground(page)).toBe(LIGHT_BG);
  const again = await onlySession(page);
  await expect.poll(() => look(page, again)).toMatchObject({ background: '#ffffff' });
  await setSettings(page, { theme: 'system' });
});

test('the status bar shows the git branch, the runtime and the connection', async ({ page }) => {
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-status');
  const bar = page.getByTestId('status-bar');
  await expect(bar.getByTestId('runtime-health')).toHaveText('This machine');
  await expect(bar.getByTestId('connection-status')).toHaveText('Connected');
  // Only the connection is announced as it changes.
  await expect(bar.locator('[role="status"]')).toHaveCount(1);
  await expect(bar.locator('[role="status"]')).toHaveAttribute('data-testid', 'connection-status');
  // Not a repository yet: no branch.
  await expect(bar.getByTestId('status-branch')).toHaveCount(0);

  await inTerminal(page, 'git init -q -b main');
  await expect(bar.getByTestId('status-branch')).toHaveText(/main$/, { timeout: 20_000 });
  await inTerminal(page, 'git checkout -q -b feature/bar');
  await expect(bar.getByTestId('status-branch')).toHaveText(/feature\/bar$/, { timeout: 20_000 });
});

test('same-named tabs get folder hints; the editor closes brackets and completes words; search marks the match', async ({ page }) => {
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-editor-tools');
  await inTerminal(page, "mkdir -p src/a src/b && printf 'const needleWord = 1;\\n' > src/a/index.ts && printf 'x\\n' > src/b/index.ts && printf 'see <b>needle</b> & more\\n' > notes.txt");

  // Keyboard: Ctrl-P opens each file by name.
  for (const p of ['src/a/index.ts', 'src/b/index.ts']) {
    await page.getByTestId('terminal-tab').first().click();
    await page.keyboard.press('Control+p');
    await page.getByTestId('quick-open-input').fill(p);
    await expect(page.getByTestId('quick-open-item').first()).toHaveAttribute('data-path', p);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => window.__tether?.editor?.path())).toBe(p);
  }
  const tab = (p: string) => page.locator(`[data-testid="editor-tab"][data-path="${p}"]`);
  await expect(tab('src/a/index.ts')).toContainText('index.ts · a');
  await expect(tab('src/b/index.ts')).toContainText('index.ts · b');
  // The × beside the tab (mouse only; Delete closes a focused tab) says which of the two it closes.
  await expect(page.locator('[data-testid="editor-tab-close"][data-path="src/b/index.ts"]')).toHaveAttribute('title', 'Close index.ts · b');

  // Back in a/index.ts: `(` brings its `)`, Backspace takes both; a word from the file completes.
  await tab('src/a/index.ts').click();
  await expect.poll(() => editorText(page)).toBe('const needleWord = 1;\n');
  await page.locator('.editor-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('f(');
  await expect.poll(() => editorText(page)).toBe('const needleWord = 1;\nf()');
  await page.keyboard.press('Backspace');
  await expect.poll(() => editorText(page)).toBe('const needleWord = 1;\nf');
  await page.keyboard.type('(needleW');
  await expect(page.locator('.cm-tooltip-autocomplete')).toContainText('needleWord');
  // CodeMirror ignores Enter for `interactionDelay` (75 ms) after the list opens, so a key already
  // on its way is not taken as a choice; a person never presses that fast, the test can.
  await page.waitForTimeout(200);
  await page.keyboard.press('Enter');
  await expect.poll(() => editorText(page)).toBe('const needleWord = 1;\nf(needleWord)');

  // Search: the match is marked, and markup in a file stays text.
  await page.getByTestId('sidebar-search').click();
  await page.getByTestId('search-input').fill('NEEDLE');
  await page.getByTestId('search-input').press('Enter');
  const note = page.locator('[data-testid="search-result"][data-path="notes.txt"]');
  await expect(note.getByTestId('search-match')).toHaveText('needle');
  await expect(note.locator('.search-text')).toHaveText('see <b>needle</b> & more');
  await expect(note.locator('.search-text b')).toHaveCount(0);
  await expect(page.locator('[data-testid="search-result"][data-path="src/a/index.ts"]').getByTestId('search-match')).toHaveText('needle');
});

test('the editor font size setting applies to an open file without a reload', async ({ page }) => {
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-editor-size');
  await setSettings(page, { editorFontSize: 13 });
  await page.reload();
  await inTerminal(page, "printf 'sized\\n' > sized.txt");
  await page.locator('[data-testid="tree-item"][data-path="sized.txt"]').click();
  await expect.poll(() => editorText(page)).toBe('sized\n');
  const size = () => page.locator('.editor-host .cm-editor').evaluate((e) => getComputedStyle(e).fontSize);
  await expect.poll(size).toBe('13px');
  const settings = await page.context().newPage();
  await settings.goto(`${gw.url}/settings`);
  await expect(settings.getByTestId('editor-font-size')).toBeEnabled();
  await settings.getByTestId('editor-font-size').focus();
  await settings.keyboard.press('ArrowUp');
  await settings.keyboard.press('ArrowUp');
  await expect.poll(async () => (await storedSettings(settings, gw)).editorFontSize).toBe(15);
  await expect.poll(size).toBe('15px');
  await settings.close();
  await setSettings(page, { editorFontSize: 13 });
});

test('a shortcut is changed on /settings by keyboard: the new key works in the workspace (a terminal too), the old one is free, Reset brings it back', async ({ page }) => {
  const gw = gateway();
  await openNewWorkspace(page, gw, 'e2e-own-keys');
  const workspaceUrl = page.url();
  await setSettings(page, { keybindings: {} });
  await page.goto(`${gw.url}/settings`);
  const row = page.locator('tr[data-command="workbench.quickOpen"]');
  await expect(row.getByTestId('keybinding-keys')).toHaveText('Ctrl+P');

  // Keyboard only: focus "Change", Enter to listen, then the keys. A taken key is refused, naming its owner.
  await row.getByTestId('keybinding-change').focus();
  await page.keyboard.press('Enter');
  await expect(row.getByTestId('keybinding-change')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+Shift+P');
  await expect(page.getByTestId('keybinding-status')).toContainText('already runs Show All Commands');
  await page.keyboard.press('o'); // a plain key is for typing
  await expect(page.getByTestId('keybinding-status')).toContainText('plain and shifted keys are for typing');
  await page.keyboard.press('Control+Alt+O');
  await expect(row.getByTestId('keybinding-keys')).toHaveText('Ctrl+Alt+O');
  await expect(row).toHaveAttribute('data-custom', 'true');
  expect((await storedSettings(page, gw)).keybindings).toEqual({ 'workbench.quickOpen': 'ctrl+alt+o' });
  const axe = await new AxeBuilder({ page }).include('[data-testid="keybinding-table"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

  // In the workspace, from a focused terminal: the new key opens Go to File; Ctrl-P is the program's again.
  await page.goto(workspaceUrl);
  const s = await onlySession(page);
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.press('Control+p');
  await page.keyboard.type('echo still-here\n');
  await expect.poll(() => page.evaluate((id) => window.__tether?.terminals[id]?.text() ?? '', s)).toContain('still-here');
  await expect(page.getByTestId('quick-open')).toHaveCount(0);
  await page.keyboard.press('Control+Alt+O');
  await expect(page.getByTestId('quick-open-input')).toBeFocused();
  await page.keyboard.press('Escape');
  // The palette shows the key in use.
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type('Go to File');
  await expect(page.getByTestId('command-palette').getByText('Ctrl+Alt+O')).toBeVisible();
  await page.keyboard.press('Escape');

  // Reset: back to Ctrl-P.
  await page.goto(`${gw.url}/settings`);
  await row.getByTestId('keybinding-reset').click();
  await expect(row.getByTestId('keybinding-keys')).toHaveText('Ctrl+P');
  expect((await storedSettings(page, gw)).keybindings).toEqual({});
});
