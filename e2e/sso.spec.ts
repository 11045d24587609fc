/**
 * Single sign-on in Chromium against a real OpenID provider (oidc-provider, started in this worker
 * on 127.0.0.1, server/testing/oidc-provider.ts): the login page's provider button, the provider's
 * own sign-in form, and landing signed in — or back on /login with the reason.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { HttpSession } from '../server/testing/http-session';
import { startTestIdp, type TestIdp } from '../server/testing/oidc-provider';
import { expect, startGateway, test, type Gateway } from './fixtures';

test.describe.configure({ timeout: 120_000 });

let idp: TestIdp;
test.beforeAll(async () => {
  idp = await startTestIdp();
});
test.afterAll(async () => {
  await idp?.close();
});

/** A gateway whose OIDC provider is the test one (and whatever else `env` sets). */
function useSsoGateway(env: Record<string, string> = {}): () => Gateway {
  let gw: Gateway | undefined;
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    gw = await startGateway({ TETHER_OIDC_ISSUER: idp.issuer, TETHER_OIDC_CLIENT_ID: idp.clientId, TETHER_OIDC_CLIENT_SECRET: idp.clientSecret, TETHER_OIDC_NAME: 'Corp SSO', ...env });
    idp.allowRedirect(`${gw.url}/api/auth/callback/oidc`);
  });
  test.afterAll(async () => {
    await gw?.stop();
  });
  return () => gw!;
}

/** WCAG 2.0/2.1 A and AA in both colour schemes: no serious or critical violation. */
async function expectAccessible(page: Page): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `${colorScheme} scheme`).toEqual([]);
  }
}

/** At the provider's development sign-in form: any login, any password. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

test.describe('with password login on (the default)', () => {
  const gateway = useSsoGateway();

  test('the login page offers the provider beside the password form, and passes axe', async ({ page }) => {
    const gw = gateway();
    await page.goto(`${gw.url}/login`);
    await expect(page.getByRole('button', { name: 'Sign in with Corp SSO' })).toBeVisible();
    await expect(page.getByTestId('login-username')).toBeVisible();
    await expectAccessible(page);
  });

  test('signing in through the provider lands on the home page as the account with that email', async ({ page }) => {
    const gw = gateway();
    const admin = new HttpSession(gw.url);
    await admin.login(gw.username, gw.password);
    await admin.mutation('users.create', { name: 'rosa', password: 'rosa-password', role: 'user', email: 'rosa@corp.test' });

    await page.goto(`${gw.url}/`);
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    await page.getByRole('button', { name: 'Sign in with Corp SSO' }).click();
    await signInAtProvider(page, 'rosa@corp.test');
    await expect(page).toHaveURL(`${gw.url}/`);
    await expect(page.getByTestId('user-name')).toHaveText('rosa');
  });

  test('an unverified email lands back on /login with the reason', async ({ page }) => {
    const gw = gateway();
    await page.goto(`${gw.url}/login`);
    await page.getByRole('button', { name: 'Sign in with Corp SSO' }).click();
    await signInAtProvider(page, 'unverified-sam@corp.test');
    await expect(page).toHaveURL(/\/login\?error=EmailUnverified/);
    await expect(page.getByTestId('login-error')).toHaveText('Your email address is not verified with Corp SSO. Verify it there, then sign in again.');
    await expectAccessible(page);
  });
});

test.describe('with password login off', () => {
  const gateway = useSsoGateway({ TETHER_PASSWORD_LOGIN: 'off' });

  test('the login page shows only the provider; an unknown email is told to ask an admin', async ({ page }) => {
    const gw = gateway();
    await page.goto(`${gw.url}/login`);
    const button = page.getByRole('button', { name: 'Sign in with Corp SSO' });
    await expect(button).toBeVisible();
    await expect(page.getByTestId('login-username')).toHaveCount(0);
    await expect(page.getByTestId('login-password')).toHaveCount(0);
    await expectAccessible(page);
    // Keyboard only: the provider's button is the first thing to focus.
    await page.keyboard.press('Tab');
    await expect(button).toBeFocused();
    await page.keyboard.press('Enter');
    await signInAtProvider(page, 'newcomer@corp.test');
    await expect(page).toHaveURL(/\/login\?error=NoAccount/);
    await expect(page.getByTestId('login-error')).toHaveText('No Tether account matches newcomer@corp.test: ask an admin to add you.');
  });
});
