/**
 * axe-core over every page, in the states a user meets: sign-in, home, a workspace (terminal, an
 * open file with its "Changed on disk" banner, the Files and the Search tab, the command palette,
 * the share dialog with a revoked link), a guest of a workspace share, the agents view with agents
 * listed, and the admin dashboard — each in the dark and the light colour scheme; then the
 * workspace and the agents view (list and terminal) on a phone. WCAG 2.0/2.1 A and AA rules; a
 * serious or critical violation fails the test with its rule, its elements and axe's summary.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, login, openNewWorkspace, startAgent, terminalText, test, useGateway, type Gateway } from './fixtures';

const gateway = useGateway();

// axe takes seconds a page on a loaded machine, and every state is checked twice (dark, light).
test.describe.configure({ timeout: 300_000 });

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SCHEMES = ['dark', 'light'] as const;

/** Asked for too, though best practice rather than WCAG: one main landmark and a level-one heading. */
const STRUCTURE = ['landmark-one-main', 'page-has-heading-one'];

/** Run axe on the page as it is now; a serious or critical finding fails (softly: every state is checked). */
async function checkA11y(page: Page, state: string): Promise<void> {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    // A theme that follows prefers-color-scheme repaints on the media change: let it settle.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const results = await new AxeBuilder({ page })
      .options({ runOnly: { type: 'tag', values: TAGS }, rules: Object.fromEntries(STRUCTURE.map((id) => [id, { enabled: true }])) })
      .analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || STRUCTURE.includes(v.id));
    const report = bad
      .map((v) => {
        const nodes = v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`);
        return `  [${v.impact}] ${v.id}: ${v.help}\n${nodes.join('\n')}`;
      })
      .join('\n');
    expect.soft(bad.map((v) => v.id), `${state} (${colorScheme}) has axe violations:\n${report}`).toEqual([]);
    // The structure rules must have run (runOnly by tag would otherwise leave them out silently).
    const ran = [...results.passes, ...results.violations, ...results.incomplete, ...results.inapplicable].map((r) => r.id);
    expect(ran).toEqual(expect.arrayContaining(STRUCTURE));
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Type a command in the active terminal (its tab gives it the keyboard). */
async function inTerminal(page: Page, command: string): Promise<void> {
  await page.getByRole('tab', { selected: true }).and(page.getByTestId('terminal-tab')).click();
  await page.keyboard.type(`${command}\n`);
}

/** A workspace made over tRPC (HTTP, with the page's session cookie); returns its id. */
async function createWorkspace(page: Page, gw: Gateway, name: string): Promise<string> {
  const created = await page.request.post(`${gw.url}/api/trpc/workspaces.create`, { data: { name } });
  expect(created.ok()).toBe(true);
  return ((await created.json()) as { result: { data: { id: string } } }).result.data.id;
}

const ASKING = `bash -c 'printf "Apply these changes? (y/n) "; read x; sleep 600'`;

test.describe('desktop', () => {
  test('sign-in and home pages', async ({ page }) => {
    const gw = gateway();
    await page.goto(`${gw.url}/login`);
    await expect(page.getByTestId('login-username')).toBeVisible();
    await checkA11y(page, 'login');
    await login(page, gw, '/?home=1');
    await expect(page.getByTestId('new-workspace')).toBeVisible();
    await createWorkspace(page, gw, 'listed');
    await page.reload();
    await expect(page.getByTestId('workspace-link').filter({ hasText: 'listed' })).toBeVisible();
    await checkA11y(page, 'home');
  });

  test('the workspace: terminal, editor, files, search, command palette, share dialog', async ({ page }) => {
    const gw = gateway();
    const session = await openNewWorkspace(page, gw, 'a11y-workspace');
    await inTerminal(page, "printf 'hello\\nworld\\n' > notes.txt; echo made-$((6*7))");
    await expect.poll(() => terminalText(page, session)).toContain('made-42');
    await checkA11y(page, 'workspace with a terminal');

    // A file in the editor, edited, then changed on disk: the "Changed on disk" banner.
    await page.locator('[data-testid="tree-item"][data-path="notes.txt"]').click();
    const tab = page.locator('[data-testid="editor-tab"][data-path="notes.txt"]');
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await page.locator('.editor-host .cm-content').click();
    await page.keyboard.type('edited ');
    await expect(tab).toHaveAttribute('data-dirty', 'true');
    await inTerminal(page, "printf 'other\\n' > notes.txt");
    await expect(page.getByTestId('editor-disk-changed')).toBeVisible();
    await checkA11y(page, 'workspace with a file open (Files tab)');

    // The sidebar's tabs take the arrow keys.
    await page.getByTestId('sidebar-files').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('sidebar-search')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('sidebar-search')).toBeFocused();
    await page.getByTestId('search-input').fill('other');
    await page.getByTestId('search-input').press('Enter');
    await expect(page.getByTestId('search-result').first()).toBeVisible();
    await checkA11y(page, 'workspace, Search tab');
    await page.getByTestId('sidebar-files').click();

    await page.keyboard.press('F1');
    const palette = page.getByTestId('command-palette');
    await expect(palette).toBeVisible();
    await checkA11y(page, 'workspace, command palette');
    await page.keyboard.press('Escape');
    await expect(palette).toHaveCount(0);

    // The share dialog, with an active and a revoked link.
    const dialog = page.getByTestId('share-dialog');
    for (const label of ['kept', 'revoked one']) {
      await page.getByTestId('share-terminal').click();
      await dialog.getByTestId('share-label').fill(label);
      await dialog.getByTestId('share-create').click();
      await expect(dialog.getByTestId('share-link')).toHaveValue(/\/s\/tsh_/);
      if (label === 'kept') await checkA11y(page, 'workspace, share dialog with a new link');
      await dialog.getByTestId('share-close').click();
      await expect(dialog).toHaveCount(0);
    }
    await page.getByTestId('share-terminal').click();
    const revoked = dialog.getByTestId('share-row').filter({ hasText: 'revoked one' });
    await revoked.getByTestId('share-revoke').click();
    await expect(revoked).toHaveAttribute('data-state', 'revoked');
    await checkA11y(page, 'workspace, share dialog');
  });

  test('a guest of a workspace share', async ({ page, browser }) => {
    const gw = gateway();
    const session = await openNewWorkspace(page, gw, 'a11y-guest');
    await inTerminal(page, "printf 'shared\\n' > shared.txt; echo ready-$((2*3))");
    await expect.poll(() => terminalText(page, session)).toContain('ready-6');
    await page.getByTestId('share-workspace').click();
    const dialog = page.getByTestId('share-dialog');
    await dialog.getByTestId('share-create').click();
    await expect(dialog.getByTestId('share-link')).toHaveValue(/\/s\/tsh_/);
    const url = await dialog.getByTestId('share-link').inputValue();
    await dialog.getByTestId('share-close').click();

    const context = await browser.newContext();
    try {
      const guest = await context.newPage();
      await guest.goto(url);
      await expect(guest.getByTestId('guest-view')).toBeVisible();
      await expect.poll(() => terminalText(guest, session)).toContain('ready-6');
      await guest.getByTestId('file-tree').getByText('shared.txt').click();
      await expect(guest.locator('[data-testid="editor-tab"][data-path="shared.txt"]')).toHaveAttribute('aria-selected', 'true');
      await checkA11y(guest, 'guest view');
      // The keyboard closes a focused editor tab with Delete (its × is hidden from the tablist).
      await guest.locator('[data-testid="editor-tab"][data-path="shared.txt"]').focus();
      await guest.keyboard.press('Delete');
      await expect(guest.getByTestId('editor-tab')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('the agents view with agents listed, and the admin dashboard', async ({ page }) => {
    const gw = gateway();
    await login(page, gw, '/agents');
    await expect(page.getByTestId('agents-view')).toBeVisible();
    const workspaceId = await createWorkspace(page, gw, 'a11y-agents');
    await page.reload();
    await startAgent(page, workspaceId, 'asker', ASKING);
    await expect(page.locator('[data-testid="agent-row"][data-status="waiting"]')).toHaveCount(1, { timeout: 20_000 });
    await checkA11y(page, 'agents');

    await page.goto(`${gw.url}/admin`);
    await expect(page.getByTestId('admin-dashboard')).toBeVisible();
    await expect(page.getByTestId('stat-sessions')).not.toHaveAttribute('data-value', '');
    await checkA11y(page, 'admin');
  });
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the workspace and the agents view on a phone', async ({ page }) => {
    const gw = gateway();
    const session = await openNewWorkspace(page, gw, 'a11y-phone');
    await expect(page.getByTestId('pane-terminal')).toHaveAttribute('aria-pressed', 'true');
    await checkA11y(page, 'phone workspace, terminal pane');
    await page.getByTestId('pane-files').tap();
    await expect(page.getByTestId('file-tree')).toBeVisible();
    await checkA11y(page, 'phone workspace, files pane');

    await page.goto(`${gw.url}/agents`);
    await expect(page.locator(`[data-testid="agent-row"][data-session-id="${session}"]`)).toBeVisible(); // the workspace's shell
    await checkA11y(page, 'phone agents');
    await page.goto(`${gw.url}/agents?s=${session}`);
    await expect(page.getByTestId('phone-terminal')).toBeVisible();
    await expect.poll(() => page.evaluate((id) => Boolean(window.__tether?.terminals[id]), session)).toBe(true);
    await checkA11y(page, 'phone agent terminal');
  });
});
