/**
 * Workspace members in two browsers: the owner adds an account from the Share dialog (keyboard),
 * the member finds the workspace under "Shared with you", opens it at its normal URL with their
 * own sign-in and watches the owner type; the owner sees them by name in presence; a viewer's
 * keys never reach the shell, an editor's do; the owner removes them and their page says so at
 * once. The dialog and both pages pass axe.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, login, openNewWorkspace, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Serious or critical axe findings, in the dark and the light scheme. */
async function checkA11y(page: Page, state: string, include?: string): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    let builder = new AxeBuilder({ page }).options({ runOnly: { type: 'tag', values: TAGS } });
    if (include) builder = builder.include(include);
    const results = await builder.analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const report = bad.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n')}`).join('\n');
    expect.soft(bad.map((v) => v.id), `${state} (${colorScheme}) has axe violations:\n${report}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Type into the owner's active terminal. */
async function ownerTypes(page: Page, text: string): Promise<void> {
  await page.locator('.term-panel .xterm').first().click();
  await page.keyboard.type(text);
}

test('an owner adds a member who opens the workspace as themselves, shows in presence, and is removed at once', async ({ page, browser }) => {
  test.setTimeout(240_000);
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-members');
  const created = await page.request.post(`${gw.url}/api/trpc/users.create`, {
    data: { name: 'mona', password: 'mona-password-1', role: 'user', displayName: 'Mona Member' },
  });
  expect(created.ok()).toBe(true);

  // --- the owner adds Mona from the Share dialog, by keyboard ---
  await page.getByTestId('share-workspace').click();
  const dialog = page.getByTestId('share-dialog');
  const members = dialog.getByTestId('members-section');
  await expect(members.getByTestId('members-empty')).toBeVisible();
  const who = members.getByTestId('member-add-who');
  await who.fill('nobody-by-that-name');
  await who.press('Enter');
  await expect(members.getByTestId('member-error')).toContainText('no account');
  await who.fill('mona');
  await who.press('Tab');
  await expect(members.getByTestId('member-add-role')).toBeFocused();
  await expect(members.getByTestId('member-add-role')).toHaveValue('viewer');
  await page.keyboard.press('Tab');
  await expect(members.getByTestId('member-add-submit')).toBeFocused();
  await page.keyboard.press('Enter');
  const row = members.locator('[data-testid="member-row"][data-user="mona"]');
  await expect(row).toHaveAttribute('data-role', 'viewer');
  await expect(row).toContainText('Mona Member');
  await expect(who).toHaveValue('');
  await checkA11y(page, 'share dialog with a member', '[data-testid="share-dialog"]');
  await dialog.getByTestId('share-close').click();
  await expect(dialog).toHaveCount(0);

  // --- Mona, in her own browser, finds it on her home page and opens it ---
  const context = await browser.newContext();
  const mona = await context.newPage();
  await login(mona, { ...gw, username: 'mona', password: 'mona-password-1' }, '/?home=1');
  const card = mona.getByTestId('shared-workspace').filter({ hasText: 'e2e-members' });
  await expect(card).toHaveAttribute('data-role', 'viewer');
  await expect(card.getByTestId('shared-workspace-owner')).toHaveText('Shared by admin');
  await checkA11y(mona, 'home with a shared workspace');
  await card.getByTestId('shared-workspace-link').click();
  await expect(mona).toHaveURL(/\/w\/[^/]+$/);
  expect(new URL(mona.url()).pathname).toBe(new URL(page.url()).pathname);
  await expect(mona.getByTestId('workspace-title')).toHaveText('e2e-members');
  await expect(mona.getByTestId('member-badge')).toContainText('Viewer');
  // Nothing of the owner's: no share, move or delete.
  await expect(mona.getByTestId('share-workspace')).toHaveCount(0);

  // She sees the files and opens one (read-only), and watches what the owner types, live.
  await ownerTypes(page, 'echo owner-says-$((40+2)) | tee notes.txt\n');
  await mona.getByTestId('file-tree').getByText('notes.txt').click();
  await expect(mona.locator('[data-testid="editor-tab"][data-path="notes.txt"]')).toHaveAttribute('aria-selected', 'true');
  await expect(mona.locator('.cm-content')).toHaveAttribute('contenteditable', 'false');
  await expect.poll(() => terminalText(mona, session), { timeout: 20_000 }).toContain('owner-says-42');
  // The owner sees her by name in presence, as a member.
  const entry = page.getByTestId('presence-entry').filter({ hasText: 'Mona Member' });
  await expect(entry).toHaveAttribute('data-role', 'member');
  await expect(entry).toHaveAttribute('data-scope', 'view');

  // A viewer's keys never reach the shell (checked in the owner's terminal, after a marker).
  await mona.locator('.xterm').first().click();
  await mona.keyboard.type('echo VIEWER_$((3*4))\n');
  await ownerTypes(page, 'echo after-viewer-$((1+1))\n');
  await expect.poll(() => terminalText(page, session)).toContain('after-viewer-2');
  expect(await terminalText(page, session)).not.toContain('VIEWER_12');
  // "typing…" pulses (down to 35 % opacity) for 1.5 s after a key: check once nobody types.
  await expect(mona.locator('[data-testid="presence-entry"][data-typing="true"]')).toHaveCount(0);
  await checkA11y(mona, 'a member’s workspace');

  // --- made an editor (role select), she types into the owner's shell after a reload ---
  await page.getByTestId('share-workspace').click();
  await row.getByTestId('member-role').selectOption('editor');
  await expect(row).toHaveAttribute('data-role', 'editor');
  await mona.reload();
  await expect(mona.getByTestId('member-badge')).toContainText('Editor');
  await expect.poll(() => terminalText(mona, session), { timeout: 20_000 }).toContain('after-viewer-2');
  await mona.locator('.xterm').first().click();
  await mona.keyboard.type('echo MEMBER_$((6*7))\n');
  await expect.poll(() => terminalText(page, session), { timeout: 20_000 }).toContain('MEMBER_42');

  // --- the owner removes her: her page says so at once ---
  await row.getByTestId('member-remove').focus();
  await page.keyboard.press('Enter');
  await expect(row).toHaveCount(0);
  await expect(mona.getByTestId('member-ended')).toBeVisible();
  await expect(mona.getByTestId('member-ended-message')).toHaveText('The owner removed you from this workspace.');
  await expect(mona.getByRole('heading', { name: 'Your access changed' })).toBeFocused();
  // …and her home page no longer lists it; opening it again finds nothing.
  await mona.goto(`${gw.url}/?home=1`);
  await expect(mona.getByTestId('home')).toBeVisible();
  await expect(mona.getByTestId('shared-workspace')).toHaveCount(0);
  await mona.goto(page.url());
  await expect(mona.getByText('This workspace does not exist or is not yours.')).toBeVisible();
  await context.close();
});
