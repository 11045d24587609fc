/**
 * The keyboard model, by keyboard only, starting from a focused terminal: the command palette
 * (Ctrl-Shift-P / F1) and what it runs, the app's shortcuts working inside a terminal while the
 * keys programs use (Ctrl-C, Ctrl-A, Ctrl-E, Ctrl-W, Ctrl-R, Tab) still reach them — checked by
 * what a program received, not by what the screen shows — the ways out of a terminal (Tab moves
 * focus, F6, Ctrl-`), and switching terminal tabs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { activeSession, expect, openNewWorkspace, tabSessions, terminalText, test, useGateway, waitForPrompt, workspaceRoot } from './fixtures';

const gateway = useGateway();

/** The active terminal's keyboard input (xterm's hidden textarea): focused = the terminal has the keys. */
const terminalInput = (page: Page) => page.locator('.term-view[data-active="true"] .xterm-helper-textarea');

async function focusTerminal(page: Page): Promise<void> {
  await page.getByTestId('terminal-tab').first().click();
  await expect(terminalInput(page)).toBeFocused();
}

test('the command palette opens over a focused terminal, is keyboard-navigable, runs "New Terminal" and gives the focus back', async ({ page }) => {
  const first = await openNewWorkspace(page, gateway(), 'e2e-kb-palette');
  await focusTerminal(page);

  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  const input = palette.getByRole('combobox', { name: 'Command' });
  await expect(input).toBeFocused();
  const options = palette.getByRole('listbox').getByRole('option');
  // Every command with its keys: the palette's own, and the terminal's.
  await expect(palette.locator('[data-command-id="workbench.showCommands"] kbd')).toHaveText(['Ctrl+Shift+P', 'F1']);
  await expect(palette.locator('[data-command-id="terminal.new"] kbd')).toHaveText(['Ctrl+Shift+`']);
  await expect(palette.locator('[data-command-id="workbench.toggleTerminalFocus"] kbd')).toHaveText(['Ctrl+`']);
  expect(await options.count()).toBeGreaterThan(10);

  // Arrows move the active option; the field keeps the focus and points at it.
  const idOf = async (i: number) => (await options.nth(i).getAttribute('id')) ?? '';
  await expect(input).toHaveAttribute('aria-activedescendant', await idOf(0));
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(input).toHaveAttribute('aria-activedescendant', await idOf(2));
  await expect(options.nth(2)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(input).toHaveAttribute('aria-activedescendant', await idOf(1));
  await expect(input).toBeFocused();

  // Esc: closed, and the terminal has the keys again.
  await page.keyboard.press('Escape');
  await expect(palette).toHaveCount(0);
  await expect(terminalInput(page)).toBeFocused();

  // F1 opens it too; typing filters fuzzily; Enter runs the first match.
  await page.keyboard.press('F1');
  await expect(input).toBeFocused();
  await page.keyboard.type('new term');
  await expect(options.first()).toHaveAttribute('data-command-id', 'terminal.new');
  await page.keyboard.type('zzqx');
  await expect(options).toHaveCount(0);
  await expect(palette.getByText('No matching commands.')).toBeVisible();
  for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
  await expect(options.first()).toHaveAttribute('data-command-id', 'terminal.new');
  await page.keyboard.press('Enter');
  await expect(palette).toHaveCount(0);

  const sessions = await tabSessions(page, 2);
  await expect(page.getByTestId('terminal-tab').nth(1)).toHaveAttribute('aria-selected', 'true');
  await waitForPrompt(page, sessions[1]!);
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.type('echo two-$((1+1))\n');
  await expect.poll(() => terminalText(page, sessions[1]!)).toMatch(/^two-2$/m);
  // Nothing typed into the palette reached a terminal.
  expect(await terminalText(page, first)).not.toContain('new term');
  expect(await terminalText(page, sessions[1]!)).not.toContain('new term');
});

test('programs keep Ctrl-C, Ctrl-A, Ctrl-E, Ctrl-W, Ctrl-R and Tab; the app shortcuts never reach them', async ({ page }) => {
  const session = await openNewWorkspace(page, gateway(), 'e2e-kb-keys');
  await focusTerminal(page);

  // Ctrl-C interrupts a program: the prompt is back long before sleep would end.
  await page.keyboard.type('echo started-$((6*7)); sleep 100\n');
  await expect.poll(() => terminalText(page, session)).toMatch(/^started-42$/m);
  await page.keyboard.press('Control+C');
  await page.keyboard.type('echo back-$((2+3))\n');
  await expect.poll(() => terminalText(page, session), { timeout: 10_000 }).toMatch(/^back-5$/m);

  // Readline's keys: Ctrl-A / Ctrl-E (line start / end), Ctrl-W (erase a word), Ctrl-R (history).
  await page.keyboard.type('cho ctl-$((3+4))');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('e');
  await page.keyboard.press('Control+E');
  await page.keyboard.type('-end\n');
  await expect.poll(() => terminalText(page, session)).toMatch(/^ctl-7-end$/m);
  await page.keyboard.type('echo word-$((4+4)) junk');
  await page.keyboard.press('Control+W');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page, session)).toMatch(/^word-8$/m);
  await page.keyboard.press('Control+R');
  await page.keyboard.type('word-$');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await terminalText(page, session)).match(/^word-8$/gm)?.length ?? 0).toBe(2);
  // Tab completes in the shell ("ech" → "echo").
  await page.keyboard.type('ech');
  await page.keyboard.press('Tab');
  await page.keyboard.type('tab-$((5+5))\n');
  await expect.poll(() => terminalText(page, session)).toMatch(/^tab-10$/m);

  // What a program receives while the app's shortcuts are pressed: `cat -v` writes every byte it
  // reads (control bytes as ^X) to a file, read here out of band.
  const root = await workspaceRoot(page);
  await page.keyboard.type('cat -v > keys.txt\n');
  await page.keyboard.type('a');

  await page.keyboard.press('Control+Shift+P');
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.press('F1');
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(terminalInput(page)).toBeFocused();

  // Ctrl-P is Quick Open, as in VS Code (readline's previous-history stays on ↑).
  await page.keyboard.press('Control+P');
  await expect(page.getByTestId('quick-open')).toBeVisible();
  await expect(page.getByTestId('quick-open-input')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('quick-open')).toHaveCount(0);
  await expect(terminalInput(page)).toBeFocused();

  // Ctrl-M toggles "Tab moves focus" (Enter sends the same byte to the program).
  await page.keyboard.press('Control+M');
  await expect(page.getByTestId('tab-focus-mode')).toBeVisible();
  await page.keyboard.press('Control+M');
  await expect(page.getByTestId('tab-focus-mode')).toHaveCount(0);

  // Search in files moves the focus to the search box; Ctrl-` brings it back.
  await page.keyboard.press('Control+Shift+F');
  await expect(page.getByTestId('search-input')).toBeFocused();
  await page.keyboard.press('Control+Backquote');
  await expect(terminalInput(page)).toBeFocused();
  // Tab switching with a single tab does nothing — and still does not reach the program.
  await page.keyboard.press('Control+PageDown');
  await page.keyboard.press('Alt+PageUp');
  await expect(terminalInput(page)).toBeFocused();

  await page.keyboard.type('b\n');
  await page.keyboard.press('Control+D');
  const keysFile = path.join(root, 'keys.txt');
  await expect.poll(() => readFile(keysFile, 'utf8').catch(() => '')).toBe('ab\n');
  await page.keyboard.type('echo after-$((9+9))\n');
  await expect.poll(() => terminalText(page, session)).toMatch(/^after-18$/m);
});

test('ways out of a terminal: Tab moves focus (Ctrl-M), F6 / Shift-F6 and Ctrl-`; terminal tabs by keyboard', async ({ page }) => {
  const first = await openNewWorkspace(page, gateway(), 'e2e-kb-focus');
  await focusTerminal(page);
  const editor = page.getByTestId('editor-pane');
  const tree = page.getByTestId('file-tree');

  // Tab moves focus: Shift-Tab leaves the terminal for the control before it (the terminal is the
  // last stop on the page, so Tab would leave the page), Tab comes back; off again, Tab is the shell's.
  await page.keyboard.press('Control+M');
  await expect(page.getByTestId('tab-focus-mode')).toBeVisible();
  await page.keyboard.press('Shift+Tab');
  await expect(terminalInput(page)).not.toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.closest('.term-panel') != null && document.activeElement?.closest('.xterm') == null)).toBe(true);
  await page.keyboard.press('Tab');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.press('Control+M');
  await expect(page.getByTestId('tab-focus-mode')).toHaveCount(0);
  await page.keyboard.press('Tab');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.press('Control+U'); // readline: drop whatever Tab put on the line

  // F6 cycles tree → editor → terminal; Shift-F6 goes back.
  await page.keyboard.press('F6');
  await expect(tree).toBeFocused();
  await page.keyboard.press('F6');
  await expect(editor).toBeFocused();
  await page.keyboard.press('F6');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.press('Shift+F6');
  await expect(editor).toBeFocused();
  await page.keyboard.press('Shift+F6');
  await expect(tree).toBeFocused();

  // Ctrl-`: to the terminal from anywhere, from the terminal to the editor.
  await page.keyboard.press('Control+Backquote');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.press('Control+Backquote');
  await expect(editor).toBeFocused();
  await page.keyboard.press('Control+Backquote');
  await expect(terminalInput(page)).toBeFocused();

  // Ctrl-Shift-` opens a terminal; Ctrl-PageUp / PageDown (or Alt-) switch, wrapping around.
  await page.keyboard.press('Control+Shift+Backquote');
  const [a, b] = await tabSessions(page, 2);
  expect(a).toBe(first);
  const tabs = page.getByTestId('terminal-tab');
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  await waitForPrompt(page, b!);
  await page.keyboard.press('Control+PageUp');
  await expect(tabs.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(terminalInput(page)).toBeFocused();
  expect(await activeSession(page)).toBe(a);
  await page.keyboard.type('echo in-first-$((1+2))\n');
  await expect.poll(() => terminalText(page, a!)).toMatch(/^in-first-3$/m);
  await page.keyboard.press('Control+PageDown');
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Control+PageDown');
  await expect(tabs.nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Alt+PageDown');
  await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(terminalInput(page)).toBeFocused();
  await page.keyboard.type('echo in-second-$((2+2))\n');
  await expect.poll(() => terminalText(page, b!)).toMatch(/^in-second-4$/m);
  expect(await terminalText(page, a!)).not.toContain('in-second');
});
