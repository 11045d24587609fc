/**
 * A lost gateway connection is said plainly and blocks typing until it resumes. The outage is made
 * in the page (`window.__tether.connection.hold(ms)`: the socket drops and every reconnect attempt
 * fails for that long) so the gateway and its shells keep running, as they would behind a
 * network cut.
 */
import type { Page } from '@playwright/test';
import { expect, openNewWorkspace, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

const hold = (page: Page, ms: number) => page.evaluate((t) => window.__tether!.connection!.hold(t), ms);
const attempt = (page: Page) => page.evaluate(() => window.__tether!.connection!.attempt());

test('a lost connection shows a banner, blocks typing, and clears when it resumes', async ({ page }) => {
  const s1 = await openNewWorkspace(page, gateway(), 'e2e-conn-lost');
  const banner = page.getByTestId('connection-lost');
  const runtime = page.getByTestId('runtime-health');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  await expect(banner).toHaveCount(0);
  await expect(runtime).not.toHaveAttribute('data-state', 'disconnected');

  await hold(page, 4_000);
  await expect(banner).toBeVisible();
  await expect(banner).toHaveAttribute('role', 'status');
  await expect(banner).toContainText('Connection to Tether lost — reconnecting');
  await expect(banner).toContainText('not sent');
  await expect(page.getByTestId('connection-lost-retry')).toBeVisible();
  await expect(runtime).toHaveAttribute('data-state', 'disconnected');
  await expect(runtime).not.toHaveAttribute('data-state', 'ready');
  // The attempt count shows once reconnecting has started.
  await expect(banner).toContainText(/\(attempt \d+\)/);

  // Typed into the dimmed terminal during the outage: dropped, never run after the resume.
  await page.keyboard.type('echo typed-while-down\n');

  await expect(banner).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  await expect(runtime).not.toHaveAttribute('data-state', 'disconnected');
  await page.keyboard.type('echo back-$((4+4))\n');
  await expect.poll(() => terminalText(page, s1)).toContain('back-8');
  expect(await terminalText(page, s1)).not.toContain('typed-while-down');
});

test('"Retry now" reconnects at once instead of waiting out the backoff', async ({ page }) => {
  const s1 = await openNewWorkspace(page, gateway(), 'e2e-conn-retry');
  const banner = page.getByTestId('connection-lost');
  await hold(page, 120_000);
  await expect(banner).toBeVisible();
  // Let the backoff grow: from the 6th attempt on the next wait is drawn from up to 8–10 s.
  await expect.poll(() => attempt(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
  await expect(banner).toContainText(/\(attempt \d+\)/);

  await hold(page, 0); // the gateway is reachable again; the socket is still waiting out its backoff
  const before = await attempt(page);
  await page.getByTestId('connection-lost-retry').click();
  await expect(banner).toHaveCount(0, { timeout: 2_000 });
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  expect(before).toBeGreaterThanOrEqual(6);

  await page.keyboard.type('echo retried-$((2+3))\n');
  await expect.poll(() => terminalText(page, s1)).toContain('retried-5');
});
