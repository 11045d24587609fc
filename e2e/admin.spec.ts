/**
 * The admin dashboard (/admin): live figures from `admin.stats` while a workspace terminal works in
 * another tab, the home page's link for admins, a 360 px wide layout, the refusal for other users
 * and the sign-in redirect for signed-out visitors.
 */
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { openDatabase } from '../server/db/database';
import { UserService } from '../server/auth/users';
import { expect, login, openNewWorkspace, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

/** A stat's raw number (its data-value), or null while the page does not know it. */
async function statValue(locator: Locator): Promise<number | null> {
  const raw = await locator.getAttribute('data-value');
  return raw === null || raw === '' ? null : Number(raw);
}

const stat = (page: Page, name: string) => page.getByTestId(`stat-${name}`);

/** Type in the workspace page's active terminal (its tab gives it the keyboard). */
async function typeInTerminal(page: Page, text: string): Promise<void> {
  await page.bringToFront();
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type(text);
}

test('an admin sees live sessions, sockets, bytes, echo latency and the process', async ({ page, context }) => {
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-admin');

  // Output and some typing in a real shell.
  await typeInTerminal(page, 'seq 1 200000\n');
  await expect.poll(() => terminalText(page, session), { timeout: 30_000 }).toMatch(/^200000$/m);
  await typeInTerminal(page, 'echo typed for the echo figure\n');
  await expect.poll(() => terminalText(page, session)).toMatch(/^typed for the echo figure$/m);

  // The dashboard in a second tab of the same browser, reached from the home page's Admin link.
  const admin = await context.newPage();
  await admin.goto(`${gw.url}/?home=1`);
  await admin.getByTestId('admin-link').click();
  await expect(admin).toHaveURL(/\/admin$/);
  await expect(admin.getByTestId('admin-dashboard')).toBeVisible();
  await expect(admin.getByTestId('admin-forbidden')).toHaveCount(0);

  await expect.poll(() => statValue(stat(admin, 'sessions'))).toBeGreaterThanOrEqual(1);
  await expect.poll(() => statValue(stat(admin, 'sessions-total'))).toBeGreaterThanOrEqual(1);
  // The workspace tab holds the gateway socket; the dashboard itself opens none.
  await expect.poll(() => statValue(stat(admin, 'sockets'))).toBeGreaterThanOrEqual(1);
  // seq 1 200000 is 1.3 MB of output.
  await expect.poll(() => statValue(stat(admin, 'bytes-out-total'))).toBeGreaterThan(1_000_000);
  await expect.poll(() => statValue(stat(admin, 'bytes-in-total'))).toBeGreaterThan(0);
  // Every typed key was echoed: latency figures exist.
  await expect.poll(() => statValue(stat(admin, 'echo-samples'))).toBeGreaterThan(10);
  await expect.poll(() => statValue(stat(admin, 'echo-p99'))).not.toBeNull();
  const p50 = (await statValue(stat(admin, 'echo-p50')))!;
  const p99 = (await statValue(stat(admin, 'echo-p99')))!;
  expect(p50).toBeGreaterThanOrEqual(0);
  expect(p99).toBeGreaterThanOrEqual(p50);
  await expect(stat(admin, 'echo-p99')).toHaveText(/\d+(\.\d+)? ms/);

  // Process figures: memory at once, CPU (a rate) from the second reading on.
  expect(await statValue(stat(admin, 'rss'))).toBeGreaterThan(10 * 1024 * 1024);
  await expect.poll(() => statValue(stat(admin, 'cpu'))).not.toBeNull();
  expect(await statValue(stat(admin, 'cpu'))).toBeGreaterThanOrEqual(0);
  expect(await statValue(stat(admin, 'uptime'))).toBeGreaterThanOrEqual(0);
  // The dashboard's own polling is tRPC traffic.
  await expect.poll(() => statValue(stat(admin, 'trpc-calls-total'))).toBeGreaterThan(0);
  await expect.poll(() => statValue(stat(admin, 'trpc-calls'))).toBeGreaterThan(0);
  for (const name of ['trpc-errors', 'upgrades-refused', 'limits-hit', 'guests', 'cloud-warm', 'cloud-warm-target', 'cloud-starting', 'cloud-assigned']) {
    expect(await statValue(stat(admin, name)), name).toBeGreaterThanOrEqual(0);
  }
  // No SSH workspace here: the pool is empty.
  await expect(admin.getByTestId('ssh-pool-empty')).toBeVisible();

  // Output rate: bytes/s between two readings while the terminal prints (the dashboard keeps
  // polling in its own tab).
  await typeInTerminal(page, 'for i in $(seq 1 30); do seq 1 3000; sleep 0.3; done; echo rate-done\n');
  await expect.poll(() => statValue(stat(admin, 'bytes-out')), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(stat(admin, 'bytes-out')).toHaveText(/B\/s$/);
  // …and it falls back to 0 once the output stops.
  await expect.poll(() => terminalText(page, session), { timeout: 30_000 }).toMatch(/^rate-done$/m);
  await expect.poll(() => statValue(stat(admin, 'bytes-out')), { timeout: 10_000 }).toBe(0);

  // The Prometheus text is linked, and served to this admin.
  const metricsLink = admin.getByTestId('admin-metrics-link');
  await expect(metricsLink).toHaveAttribute('href', '/metrics');
  const res = await admin.request.get(`${gw.url}/metrics`);
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain('tether_terminal_bytes_sent_total');

  // A phone-sized window: everything fits in 360 px (the SSH/cloud tables scroll inside themselves).
  await admin.setViewportSize({ width: 360, height: 740 });
  await expect(admin.getByTestId('admin-dashboard')).toBeVisible();
  await expect.poll(() => admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const box = await stat(admin, 'sockets').boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x + box!.width).toBeLessThanOrEqual(360);
});

test('a user who is not an admin gets a refusal and no Admin link', async ({ browser }) => {
  const gw = gateway();
  // There is no UI or API to add users: write one into the gateway's database, as its tests do
  // through UserService (SQLite in WAL mode takes a second connection).
  const password = 'reader-password-1';
  const dbh = await openDatabase(path.join(gw.dataDir, 'tether.db'));
  try {
    await new UserService(dbh).create('reader', password, 'user');
  } finally {
    await dbh.close();
  }

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await login(page, { ...gw, username: 'reader', password }, '/?home=1');
    await expect(page.getByTestId('user-name')).toHaveText('reader');
    await expect(page.getByTestId('agents-link')).toBeVisible();
    await expect(page.getByTestId('admin-link')).toHaveCount(0);

    await page.goto(`${gw.url}/admin`);
    await expect(page.getByTestId('admin-forbidden')).toBeVisible();
    await expect(page.getByTestId('admin-forbidden')).toContainText('Only admins can see this page');
    await expect(page.getByTestId('admin-dashboard')).toHaveCount(0);
    await expect(page.locator('[data-testid^="stat-"]')).toHaveCount(0);

    // The gateway's own figures are refused too.
    expect((await page.request.get(`${gw.url}/metrics`)).status()).toBe(403);
  } finally {
    await context.close();
  }
});

test('a signed-out visitor is sent to sign in, then back to /admin', async ({ browser }) => {
  const gw = gateway();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${gw.url}/admin`);
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin$/);
    await page.getByTestId('login-username').fill(gw.username);
    await page.getByTestId('login-password').fill(gw.password);
    await page.getByTestId('login-submit').click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByTestId('admin-dashboard')).toBeVisible();
  } finally {
    await context.close();
  }
});
