/**
 * The audit trail and own sign-in sessions in the browser: a user signed in twice revokes the
 * other session on /account and that browser's next page asks to sign in; the admin finds the
 * user's creation and the revocation in the audit trail by area, action, who and day, and pages
 * back with "Older". Both sections are checked with axe, and driven by the keyboard where a
 * person would.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, login, test, useGateway } from './fixtures';

const gateway = useGateway();
// The second test reads what the first one did.
test.describe.configure({ mode: 'serial' });

/** axe on one section, dark and light: serious or critical findings fail. */
async function checkA11y(page: Page, selector: string): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `${selector} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** `yyyy-mm-dd` of a day from today, in this machine's time zone (the browser's too). */
function day(offset: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

test('a user signed in twice revokes the other session on /account; that browser’s next page is the sign-in', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const gw = gateway();
  await login(page, gw, '/admin');
  const users = page.getByTestId('users-admin');
  await users.getByTestId('users-add-name').fill('uma');
  await users.getByTestId('users-add-password').fill('uma-password-1');
  await users.getByTestId('users-add-password').press('Enter');
  await expect(users.locator('[data-testid="user-row"][data-user="uma"]')).toBeVisible();

  const uma = { ...gw, username: 'uma', password: 'uma-password-1' };
  const contextA = await browser.newContext();
  const contextB = await browser.newContext();
  const a = await contextA.newPage();
  const b = await contextB.newPage();
  await login(a, uma, '/account');
  await login(b, uma, '/account');
  await expect(b.getByTestId('session-row')).toHaveCount(2);

  await a.reload();
  const rows = a.getByTestId('session-row');
  await expect(rows).toHaveCount(2);
  await expect(a.locator('[data-testid="session-row"][data-current="true"]')).toContainText('this session');
  await expect(rows.first()).toContainText('password');
  await checkA11y(a, '[data-testid="account-sessions"]');

  // Keyboard: the other session's Revoke button, then Enter.
  const other = a.locator('[data-testid="session-row"][data-current="false"]');
  await other.getByTestId('session-revoke').focus();
  await a.keyboard.press('Enter');
  await expect(a.getByTestId('sessions-message')).toHaveText('Signed out that session.');
  await expect(rows).toHaveCount(1);
  await expect(a.getByTestId('sessions-revoke-others')).toHaveCount(0);

  // The other browser's next navigation asks to sign in; this one goes on.
  await b.goto(`${gw.url}/account`);
  await expect(b).toHaveURL(/\/login/);
  await a.reload();
  await expect(a.getByTestId('account-who')).toContainText('uma');
  await contextA.close();
  await contextB.close();
});

test('the admin filters the audit trail by area, action, who and day, and pages back', async ({ page }) => {
  test.setTimeout(120_000);
  const gw = gateway();
  await login(page, gw, '/admin');
  // 52 token events: more than one page (50).
  for (let i = 0; i < 26; i++) {
    const created = await page.request.post(`${gw.url}/api/trpc/tokens.create`, { data: { name: `t${i}` } });
    expect(created.ok()).toBe(true);
    const { result } = (await created.json()) as { result: { data: { info: { id: string } } } };
    expect((await page.request.post(`${gw.url}/api/trpc/tokens.revoke`, { data: { id: result.data.info.id } })).ok()).toBe(true);
  }
  await page.reload();
  const audit = page.getByTestId('audit-admin');
  const rows = audit.getByTestId('audit-row');
  const row = (action: string): Locator => audit.locator(`[data-testid="audit-row"][data-action="${action}"]`);
  await expect(rows.first()).toBeVisible();
  await checkA11y(page, '[data-testid="audit-admin"]');

  // Who, typed and submitted with Enter: the user's creation by the admin.
  await audit.getByTestId('audit-who').fill('user:uma');
  await audit.getByTestId('audit-who').press('Enter');
  await expect(row('user.created')).toHaveCount(1);
  await expect(row('user.created').getByTestId('audit-actor')).toHaveText('admin');
  await expect(row('user.created').getByTestId('audit-target')).toHaveText('user:uma');
  await expect(row('user.created')).toContainText('role=member');

  // The auth area (who cleared): uma revoked her other session.
  await audit.getByTestId('audit-who').fill('');
  await audit.getByTestId('audit-action').selectOption('auth');
  await audit.getByTestId('audit-apply').press('Enter');
  await expect(row('auth.session-revoked')).toHaveCount(1);
  await expect(row('auth.session-revoked').getByTestId('audit-actor')).toHaveText('uma');
  // …and her two sign-ins, with their method; nothing outside the area.
  const umaSignIns = row('auth.sign-in').filter({ has: page.getByTestId('audit-actor').getByText('uma', { exact: true }) });
  await expect(umaSignIns).toHaveCount(2);
  await expect(umaSignIns.first()).toContainText('method=password');
  for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))) expect(action).toMatch(/^auth\./);

  // An exact action; then by day: today keeps it, from tomorrow nothing matches.
  await audit.getByTestId('audit-action').selectOption('user.created');
  await audit.getByTestId('audit-from').fill(day(0));
  await audit.getByTestId('audit-to').fill(day(0));
  await audit.getByTestId('audit-apply').click();
  await expect(row('user.created')).toHaveCount(1);
  await expect(rows).toHaveCount(1);
  await audit.getByTestId('audit-from').fill(day(1));
  await audit.getByTestId('audit-to').fill('');
  await audit.getByTestId('audit-apply').click();
  await expect(audit.getByTestId('audit-empty')).toHaveText('No events match.');

  // The token area: 50 on the first page, the other 2 under "Older" (keyboard), back to the newest.
  await audit.getByTestId('audit-from').fill('');
  await audit.getByTestId('audit-action').selectOption('token');
  await audit.getByTestId('audit-apply').click();
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveAttribute('data-action', 'token.revoked');
  await audit.getByTestId('audit-older').focus();
  await page.keyboard.press('Enter');
  await expect(rows).toHaveCount(2);
  await expect(rows.last()).toHaveAttribute('data-action', 'token.created');
  await expect(audit.getByTestId('audit-older')).toHaveCount(0);
  await audit.getByTestId('audit-newest').click();
  await expect(rows).toHaveCount(50);
  // No secret reached the page: the raw tokens were never recorded.
  await expect(audit).not.toContainText('tth_');
});
