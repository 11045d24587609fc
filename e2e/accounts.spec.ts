/**
 * Accounts in the browser: an admin adds a user on the admin page, the user signs in with the
 * handed-over password and changes it; disabling them while they work sends their page to sign in
 * at once, and they cannot sign in again until re-enabled.
 */
import { expect, login, openCreateDialog, tabSessions, test, useGateway, waitForPrompt } from './fixtures';

const gateway = useGateway();

test('an admin adds a user who signs in, changes their password, and is cut off when disabled', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const gw = gateway();
  await login(page, gw, '/admin');
  const users = page.getByTestId('users-admin');
  await expect(users).toBeVisible();

  // Keyboard only: name, (empty password: generate), submit.
  await users.getByTestId('users-add-name').fill('tess');
  await users.getByTestId('users-add-name').press('Enter');
  const row = users.locator('[data-testid="user-row"][data-user="tess"]');
  await expect(row).toHaveAttribute('data-state', 'active');
  await expect(row.getByTestId('user-role')).toHaveText('Member');
  const generated = (await users.getByTestId('users-handover-password').textContent())!.trim();
  expect(generated).toMatch(/^[A-Za-z0-9_-]{20}$/);
  // A bad name is refused with the server's sentence.
  await users.getByTestId('users-add-name').fill('no/slash');
  await users.getByTestId('users-add-submit').click();
  await expect(users.getByTestId('users-add-error')).toContainText('user names use letters');

  // The new user signs in with the handed-over password and changes it on /account.
  const context = await browser.newContext();
  const tess = await context.newPage();
  await login(tess, { ...gw, username: 'tess', password: generated }, '/account');
  await expect(tess.getByTestId('account-who')).toContainText('tess');
  await tess.getByTestId('account-current').fill('not-it-at-all');
  await tess.getByTestId('account-next').fill('tess-new-password');
  await tess.getByTestId('account-again').fill('tess-new-password');
  await tess.getByTestId('account-change').click();
  await expect(tess.getByTestId('account-message')).toContainText('current password is not right');
  await tess.getByTestId('account-current').fill(generated);
  await tess.getByTestId('account-change').click();
  await expect(tess.getByTestId('account-message')).toContainText('Password changed');

  // Tess works in a workspace; the admin disables her; her page goes to sign in.
  await tess.goto(`${gw.url}/?home=1`);
  await openCreateDialog(tess);
  await tess.getByTestId('workspace-name-input').fill('tess-ws');
  await tess.getByTestId('workspace-create').click();
  await tess.getByTestId('workspace-link').filter({ hasText: 'tess-ws' }).click();
  const [s] = await tabSessions(tess, 1);
  await waitForPrompt(tess, s!);
  await row.getByTestId('user-toggle-disabled').click();
  await expect(row).toHaveAttribute('data-state', 'disabled');
  await expect(tess).toHaveURL(/\/login/, { timeout: 10_000 });

  // She cannot sign in again…
  await tess.getByTestId('login-username').fill('tess');
  await tess.getByTestId('login-password').fill('tess-new-password');
  await tess.getByTestId('login-submit').click();
  await expect(tess.getByTestId('login-error')).toHaveText('Wrong username or password');
  await expect(tess).toHaveURL(/\/login/);
  // …until she is enabled again (with her own, changed password).
  await row.getByTestId('user-toggle-disabled').click();
  await expect(row).toHaveAttribute('data-state', 'active');
  await login(tess, { ...gw, username: 'tess', password: 'tess-new-password' }, '/?home=1');
  await expect(tess.getByTestId('workspace-link').filter({ hasText: 'tess-ws' })).toHaveCount(1);
  await context.close();

  // The last admin is kept: disabling yourself as the only admin is refused, visibly.
  await users.locator('[data-testid="user-row"][data-user="admin"]').getByTestId('user-toggle-disabled').click();
  await expect(users.getByTestId('users-error')).toContainText('last admin');
});
