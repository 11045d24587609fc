import { expect, login, test, useGateway } from './fixtures';

const gateway = useGateway();

test('visiting / while signed out lands on /login', async ({ page }) => {
  const gw = gateway();
  await page.goto(`${gw.url}/`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await expect(page.getByTestId('login-username')).toBeVisible();
});

test('a wrong password shows an error and stays on /login', async ({ page }) => {
  const gw = gateway();
  await page.goto(`${gw.url}/login`);
  await page.getByTestId('login-username').fill(gw.username);
  await page.getByTestId('login-password').fill('definitely-not-the-password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('Wrong username or password');
  await expect(page).toHaveURL(/\/login/);
});

test('repeated failures are rate-limited with a clear message', async ({ page }) => {
  const gw = gateway();
  await page.goto(`${gw.url}/login`);
  // A different username than the other tests so its per-user counter starts at zero.
  await page.getByTestId('login-username').fill('mallory');
  const error = page.getByTestId('login-error');
  for (let i = 0; i < 5; i++) {
    await page.getByTestId('login-password').fill(`guess-${i}`);
    await page.getByTestId('login-submit').click();
    await expect(error).toHaveAttribute('data-attempt', String(i + 1));
    await expect(error).toHaveText('Wrong username or password');
  }
  await page.getByTestId('login-password').fill('guess-5');
  await page.getByTestId('login-submit').click();
  await expect(error).toHaveAttribute('data-attempt', '6');
  await expect(error).toHaveText('Too many attempts, try again in a minute');
});

test('signing in returns to the page that asked for it, and signing out ends the session', async ({ page }) => {
  const gw = gateway();
  await login(page, gw);
  await expect(page).toHaveURL(`${gw.url}/`);
  await expect(page.getByTestId('user-name')).toHaveText(gw.username);
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`${gw.url}/`);
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
});
