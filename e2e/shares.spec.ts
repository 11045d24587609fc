import type { Browser, Page } from '@playwright/test';
import { expect, openNewWorkspace, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

/** Create a link for the active terminal through the Share dialog; returns its full URL. */
async function shareTerminal(page: Page, scope: 'view' | 'drive', label: string): Promise<string> {
  await page.getByTestId('share-terminal').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId(`share-scope-${scope}`).check();
  await expect(dialog.getByTestId('share-expiry')).toHaveValue('24h');
  await dialog.getByTestId('share-label').fill(label);
  await dialog.getByTestId('share-create').click();
  const link = dialog.getByTestId('share-link');
  await expect(link).toHaveValue(/\/s\/tsh_[A-Za-z0-9_-]{43}$/);
  const url = await link.inputValue();
  await dialog.getByTestId('share-close').click();
  await expect(dialog).toHaveCount(0);
  return url;
}

/** A teammate with no account opens the link in their own browser. */
async function openAsGuest(browser: Browser, url: string): Promise<{ page: Page; shareId: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  // The token is traded for a cookie and gone from the address bar (and so from history).
  await expect(page).toHaveURL(/\/shared\/[A-Za-z0-9_-]{22}$/);
  expect(page.url()).not.toContain('tsh_');
  await expect(page.getByTestId('guest-view')).toBeVisible();
  const shareId = new URL(page.url()).pathname.split('/')[2]!;
  return { page, shareId };
}

test('a view guest watches live and cannot type, a drive guest can, and revoking closes the guest within a second', async ({ page, browser }) => {
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-share');

  // --- view ---
  const viewUrl = await shareTerminal(page, 'view', 'watch only');
  const viewer = await openAsGuest(browser, viewUrl);
  await expect(viewer.page.getByTestId('guest-view')).toHaveAttribute('data-scope', 'view');
  await expect(viewer.page.getByTestId('guest-banner')).toContainText('Guest 1');

  // The owner types; the guest sees it live.
  await page.locator('.term-panel .xterm').first().click();
  await page.keyboard.type('echo live-$((20+22))\n');
  await expect.poll(() => terminalText(viewer.page, session)).toContain('live-42');

  // The owner sees the guest in the presence list.
  const guestEntry = page.getByTestId('presence-entry').filter({ hasText: 'Guest 1' });
  await expect(guestEntry).toHaveAttribute('data-role', 'guest');
  await expect(guestEntry).toHaveAttribute('data-scope', 'view');

  // The view guest types: nothing reaches the PTY. Checked out of band, in the owner's terminal
  // (the command would print VIEWGUEST_12) and by running a marker command after it.
  await viewer.page.locator('.xterm').first().click();
  await viewer.page.keyboard.type('echo VIEWGUEST_$((3*4))\n');
  await page.locator('.term-panel .xterm').first().click();
  await page.keyboard.type('echo after-$((1+1))\n');
  await expect.poll(() => terminalText(page, session)).toContain('after-2');
  expect(await terminalText(page, session)).not.toContain('VIEWGUEST');
  await expect.poll(() => terminalText(viewer.page, session)).toContain('after-2');
  expect(await terminalText(viewer.page, session)).not.toContain('VIEWGUEST');

  // --- drive ---
  const driveUrl = await shareTerminal(page, 'drive', 'pair');
  const driver = await openAsGuest(browser, driveUrl);
  await expect(driver.page.getByTestId('guest-view')).toHaveAttribute('data-scope', 'drive');
  await driver.page.locator('.xterm').first().click();
  await driver.page.keyboard.type('echo DRIVE_$((5*5))\n');
  await expect.poll(() => terminalText(page, session)).toContain('DRIVE_25');
  // Guests are numbered across the owner's links: the owner's list shows Guest 1 (view) and Guest 2 (drive).
  await expect(page.locator('[data-testid="presence-entry"][data-scope="drive"]')).toContainText('Guest 2');

  // --- revoke the view link: the viewer's socket closes (4403) within a second ---
  await page.getByTestId('share-terminal').click();
  const row = page.getByTestId('share-row').filter({ hasText: 'watch only' });
  await expect(row).toHaveAttribute('data-state', 'active');
  // Timed from the click as the owner's page sees it (Playwright's own click waits for the
  // element to be stable first) to the guest page handling the close; both read the same clock.
  await page.evaluate(() => {
    document.addEventListener('click', (e) => {
      if ((e.target as Element).closest('[data-testid="share-revoke"]')) (window as unknown as { __revokeClickAt: number }).__revokeClickAt = Date.now();
    }, { capture: true, once: true });
  });
  await row.getByTestId('share-revoke').click();
  const endedAt = await viewer.page.waitForFunction(() => window.__tetherShareEndedAt, undefined, { timeout: 5000 });
  const clickAt = await page.evaluate(() => (window as unknown as { __revokeClickAt: number }).__revokeClickAt);
  const latency = ((await endedAt.jsonValue()) as number) - clickAt;
  console.log(`revoke click → guest page closed: ${latency} ms`);
  expect(latency).toBeLessThan(1000);
  await expect(viewer.page.getByTestId('share-ended')).toContainText('revoked');
  // The drive guest of the other link is unaffected.
  await expect(driver.page.getByTestId('share-ended')).toHaveCount(0);
  await expect(row).toHaveAttribute('data-state', 'revoked');

  // Opening the link again is refused with a page that says why.
  await viewer.page.goto(viewUrl);
  await expect(viewer.page.locator('[data-share-denied="revoked"]')).toContainText('revoked');

  // The audit shows who joined and the revocation.
  await page.getByTestId('share-dialog').getByTestId('share-audit-toggle').click();
  await expect(page.getByTestId('share-audit-row').filter({ hasText: 'Guest 1' }).first()).toBeVisible();
  await expect(page.locator('[data-testid="share-audit-row"][data-kind="revoked"]')).toHaveCount(1);
  await page.getByTestId('share-close').click();

  // A guessed link gets the same answer as a missing one.
  await viewer.page.goto(`${gw.url}/s/tsh_${'A'.repeat(43)}`);
  await expect(viewer.page.locator('[data-share-denied="not_found"]')).toBeVisible();

  // Tokens never reach the gateway's log.
  for (const url of [viewUrl, driveUrl]) expect(gw.output()).not.toContain(new URL(url).pathname.slice(3));

  await viewer.page.context().close();
  await driver.page.context().close();
});

test('the owner removes a guest, and a workspace share shows files read-only', async ({ page, browser }) => {
  const gw = gateway();
  const session = await openNewWorkspace(page, gw, 'e2e-share-ws');
  await page.locator('.term-panel .xterm').first().click();
  await page.keyboard.type('echo shared-file > notes.txt; echo written-$((2*4))\n');
  await expect.poll(() => terminalText(page, session)).toContain('written-8');

  await page.getByTestId('share-workspace').click();
  const dialog = page.getByTestId('share-dialog');
  await dialog.getByTestId('share-create').click();
  await expect(dialog.getByTestId('share-link')).toHaveValue(/\/s\/tsh_/);
  const url = await dialog.getByTestId('share-link').inputValue();
  await dialog.getByTestId('share-close').click();

  const guest = await openAsGuest(browser, url);
  await expect(guest.page.getByTestId('guest-view')).toHaveAttribute('data-kind', 'workspace');
  // The guest sees the workspace's terminal and its files.
  await expect.poll(() => terminalText(guest.page, session)).toContain('written-8');
  await expect(guest.page.getByTestId('file-tree').getByText('notes.txt')).toBeVisible();

  // Kick: the guest's page ends, and says so.
  const entry = page.locator('[data-testid="presence-entry"][data-role="guest"]');
  await expect(entry).toHaveCount(1);
  await entry.getByTestId('presence-kick').click();
  await expect(guest.page.getByTestId('share-ended')).toContainText('removed');
  await expect(entry).toHaveCount(0);
  await guest.page.context().close();
});
