/**
 * Find in the terminal, by keyboard only: Ctrl-F opens the bar over the focused terminal (the
 * shell never sees the key), the count follows typing, Enter / Shift-Enter and the match-case and
 * regex toggles (Alt-C / Alt-R), and Esc gives the terminal its keys back.
 */
import { expect, openNewWorkspace, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

test('Ctrl-F finds in the scrollback, counts, steps through matches and gives the keys back on Esc', async ({ page }) => {
  const session = await openNewWorkspace(page, gateway(), 'e2e-find');
  await page.getByTestId('terminal-tab').first().click();

  // 300 numbered lines, then "quokka" three times — a word the command lines never contain.
  await page.keyboard.type("seq 1 300 | sed 's/^/line-/'\n");
  await expect.poll(() => terminalText(page, session)).toContain('line-300');
  await page.keyboard.type("printf 'quo%s\\n' kka kka kka\n");
  await expect.poll(async () => (await terminalText(page, session)).match(/^quokka$/gm)?.length ?? 0).toBe(3);

  const bar = page.getByTestId('terminal-find');
  const input = page.getByTestId('terminal-find-input');
  const count = page.getByTestId('terminal-find-count');
  await expect(bar).toHaveCount(0);

  await page.keyboard.press('Control+F');
  await expect(page.getByRole('search', { name: 'Find in terminal' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Find in terminal' })).toBeFocused();
  await expect(bar.getByRole('button', { name: 'Next match' })).toBeVisible();

  await page.keyboard.type('quokka');
  await expect(input).toHaveValue('quokka');
  await expect(count).toHaveText('1 of 3');
  // Every match highlighted (the viewport shows them after the scroll to the first).
  const highlights = page.locator('.term-view[data-active="true"] .xterm-find-result-decoration');
  await expect.poll(() => highlights.count()).toBeGreaterThan(0);

  await page.keyboard.press('Enter');
  await expect(count).toHaveText('2 of 3');
  await page.keyboard.press('Enter');
  await expect(count).toHaveText('3 of 3');
  await page.keyboard.press('Enter');
  await expect(count).toHaveText('1 of 3'); // wraps
  await page.keyboard.press('Shift+Enter');
  await expect(count).toHaveText('3 of 3');
  await page.keyboard.press('Shift+Enter');
  await expect(count).toHaveText('2 of 3');

  // Match case (Alt-C): off, QUOKKA finds the three; on, none.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('QUOKKA');
  await expect(count).toHaveText(/^\d of 3$/);
  await page.keyboard.press('Alt+C');
  await expect(page.getByTestId('terminal-find-case')).toHaveAttribute('aria-pressed', 'true');
  await expect(count).toHaveText('No results');
  await page.keyboard.press('Alt+C');
  await expect(page.getByTestId('terminal-find-case')).toHaveAttribute('aria-pressed', 'false');
  await expect(count).toHaveText(/^\d of 3$/);

  // Regex (Alt-R): line-200 … line-299.
  await page.keyboard.press('Alt+R');
  await expect(page.getByTestId('terminal-find-regex')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('line-2\\d\\d$');
  await expect(input).toHaveValue('line-2\\d\\d$');
  await expect(count).toHaveText(/^\d+ of 100$/);
  await expect.poll(() => highlights.count()).toBeGreaterThan(0);
  await page.keyboard.press('Control+A');
  await page.keyboard.type('line-(');
  await expect(count).toHaveText('Invalid regex');

  // Something absent.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('zebra-absent');
  await expect(count).toHaveText('No results');

  // Ctrl-F again keeps the bar and selects the query.
  await page.keyboard.press('Control+F');
  await expect(bar).toHaveCount(1);
  await expect(input).toBeFocused();

  // Esc: the bar goes, and the terminal has the keys again.
  await page.keyboard.press('Escape');
  await expect(bar).toHaveCount(0);
  await page.keyboard.type('echo back-$((2+3))\n');
  await expect.poll(() => terminalText(page, session)).toContain('back-5');
  // Nothing typed into the bar (nor Ctrl-F) reached the shell.
  const text = await terminalText(page, session);
  expect(text).not.toContain('QUOKKA');
  expect(text).not.toContain('zebra-absent');

  // The close button works too, and the bar comes back empty.
  await page.keyboard.press('Control+F');
  await expect(input).toBeFocused();
  await expect(input).toHaveValue('');
  // Tab: match case, regex, then close (previous and next are disabled with no query).
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  await expect(page.getByTestId('terminal-find-close')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(bar).toHaveCount(0);
  await page.keyboard.type('echo again-$((3+4))\n');
  await expect.poll(() => terminalText(page, session)).toContain('again-7');
});
