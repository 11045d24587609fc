/**
 * The home page: workspaces first, with what each is doing (terminals running, agents waiting,
 * last activity) from `workspaces.overview`; "New workspace" and the page-to-page navigation
 * driven with the keyboard alone; and on a phone a short page and a navigation folded behind
 * "Menu", driven by touch.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, login, tabSessions, test, useGateway, waitForPrompt } from './fixtures';

const gateway = useGateway();

/** Press Tab until `target` has the focus (the keyboard only; fails after `max` presses). */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

/** Exactly one h1 and one main landmark, and the h1 says `title`. */
async function expectPageFrame(page: Page, title: string): Promise<void> {
  await expect(page.locator('h1')).toHaveCount(1);
  await expect(page.locator('h1')).toHaveText(title);
  await expect(page.locator('main')).toHaveCount(1);
}

async function createViaApi(page: Page, name: string): Promise<string> {
  const res = await page.request.post(`${gateway().url}/api/trpc/workspaces.create`, { data: { name } });
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { result: { data: { id: string } } }).result.data.id;
}

test.describe('desktop', () => {
  test('keyboard only: Tab to "New workspace", create one, land on it in the list, open it', async ({ page }) => {
    const gw = gateway();
    await login(page, gw);
    await expectPageFrame(page, 'Workspaces');
    await expect(page.getByTestId('workspaces-empty')).toContainText('New workspace');
    await expect(page.getByTestId('nav-workspaces')).toHaveAttribute('aria-current', 'page');

    const newButton = page.getByTestId('new-workspace');
    await tabTo(page, newButton);
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('create-dialog');
    await expect(dialog).toHaveAttribute('role', 'dialog');
    await expect(page.getByTestId('workspace-name-input')).toBeFocused();
    // Escape closes it and gives the focus back.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(newButton).toBeFocused();

    await page.keyboard.press('Enter');
    await expect(page.getByTestId('workspace-name-input')).toBeFocused();
    await page.keyboard.type('by-keys');
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    const link = page.getByTestId('workspace-link').filter({ hasText: 'by-keys' });
    await expect(link).toHaveCount(1);
    await expect(link).toBeFocused();
    await expect(page.getByTestId('workspaces-empty')).toHaveCount(0);

    const a11y = await new AxeBuilder({ page }).include('[data-testid="app-header"]').include('main').analyze();
    expect(a11y.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/w\/[^/]+$/);
    await expect(page.getByTestId('workspace-title')).toHaveText('by-keys');
  });

  test('a workspace shows its running terminals, the ones waiting (linking to Agents) and its last activity', async ({ page }) => {
    const gw = gateway();
    await login(page, gw);
    const id = await createViaApi(page, 'statuses');
    await page.reload();
    const card = page.locator(`[data-testid="workspace-card"][data-workspace-id="${id}"]`);
    await expect(card.getByTestId('workspace-terminals')).toHaveText('No terminals running');
    await expect(card.getByTestId('workspace-waiting')).toHaveCount(0);
    await expect(card.getByTestId('workspace-activity')).toHaveText(/^created (just now|\d+ s ago)$/);
    await expect(card.getByTestId('workspace-runtime')).toHaveText('This machine');

    // Open it: its first terminal starts; type something; back home.
    await card.getByTestId('workspace-link').click();
    await expect(page).toHaveURL(/\/w\/[^/]+$/);
    const [session] = await tabSessions(page, 1);
    await waitForPrompt(page, session!);
    await page.getByTestId('terminal-tab').first().click();
    await page.keyboard.type('echo home-$((2*3))\n');
    const typedAt = Date.now();
    await page.getByTestId('back-link').click();
    await expect(page).toHaveURL(`${gw.url}/`);

    await expect(card.getByTestId('workspace-terminals')).toHaveText('1 terminal running');
    const activity = card.getByTestId('workspace-activity');
    await expect(activity).toHaveText(/^active (just now|\d+ s ago)$/);
    // The exact time is in the tooltip and the <time> element.
    await expect(activity).toHaveAttribute('title', /\d/);
    const at = Date.parse((await activity.getAttribute('datetime'))!);
    expect(Math.abs(at - typedAt)).toBeLessThan(60_000);

    // An agent asking a question: "1 waiting" appears by itself (the list refreshes every 10 s),
    // and leads to the agents view.
    const started = await page.request.post(`${gw.url}/api/trpc/agents.start`, {
      data: { workspaceId: id, command: `bash -c 'printf "Apply these changes? (y/n) "; read x; sleep 600'`, name: 'asker' },
    });
    expect(started.ok()).toBe(true);
    const waiting = card.getByTestId('workspace-waiting');
    await expect(waiting).toHaveText('1 waiting', { timeout: 30_000 });
    await expect(card.getByTestId('workspace-terminals')).toHaveText('2 terminals running');
    await waiting.click();
    await expect(page).toHaveURL(/\/agents$/);
    await expect(page.getByTestId('agents-link')).toHaveAttribute('aria-current', 'page');
  });

  test('keyboard only: the navigation reaches every page, each marked current, with one h1 and one main', async ({ page }) => {
    const gw = gateway();
    await login(page, gw);
    const pages: [testId: string, path: RegExp, title: string][] = [
      ['nav-hosts', /\/hosts$/, 'SSH hosts'],
      ['nav-shares', /\/shares$/, 'Share links'],
      ['nav-tokens', /\/tokens$/, 'API tokens'],
      ['nav-cloud', /\/cloud$/, 'Cloud workers'],
      ['admin-link', /\/admin$/, 'Admin'],
      ['agents-link', /\/agents$/, 'Agents'],
      ['nav-workspaces', new RegExp(`^${gw.url}/$`), 'Workspaces'],
    ];
    for (const [testId, path, title] of pages) {
      const link = page.getByTestId(testId);
      await tabTo(page, link);
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(path);
      await expect(page.getByTestId(testId)).toHaveAttribute('aria-current', 'page');
      await expect(page.locator('[aria-current="page"]')).toHaveCount(1);
      await expectPageFrame(page, title);
    }
    // Settings is linked (its page is another part's).
    await expect(page.getByTestId('nav-settings')).toHaveAttribute('href', '/settings');
    await expect(page.getByTestId('user-name')).toHaveText(gw.username);
  });
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('with three workspaces the home page is at most two screens tall, and the menu works by touch without sideways scrolling', async ({ page }) => {
    const gw = gateway();
    // A phone signing in lands on the agents view.
    await login(page, gw);
    await expect(page).toHaveURL(/\/agents$/);
    const existing = await page.request.get(`${gw.url}/api/trpc/workspaces.list`);
    const have = ((await existing.json()) as { result: { data: unknown[] } }).result.data.length;
    for (let i = have; i < 3; i++) await createViaApi(page, `phone-${i}`);

    // The links are folded behind "Menu".
    const menu = page.getByTestId('nav-menu');
    await expect(page.getByTestId('nav-workspaces')).toBeHidden();
    await menu.tap();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByTestId('nav-workspaces').tap();
    await expect(page).toHaveURL(`${gw.url}/`);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');

    const cards = page.getByTestId('workspace-card');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(3);
    await expect(page.getByTestId('workspace-terminals').first()).toBeVisible();
    const size = await page.evaluate(() => ({ height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth }));
    console.log(`home page at 390×844 with ${await cards.count()} workspaces: ${size.height} px tall`);
    expect(size.height).toBeLessThanOrEqual(2 * 844);
    expect(size.width).toBeLessThanOrEqual(390);

    // "New workspace" opens the form by touch, and it fits.
    await page.getByTestId('new-workspace').tap();
    await expect(page.getByTestId('create-dialog')).toBeVisible();
    const box = await page.getByTestId('create-dialog').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.getByTestId('workspace-create-cancel').tap();
    await expect(page.getByTestId('create-dialog')).toHaveCount(0);

    // On to Hosts by touch: marked current, still no sideways scroll.
    await menu.tap();
    await page.getByTestId('nav-hosts').tap();
    await expect(page).toHaveURL(/\/hosts$/);
    await menu.tap();
    await expect(page.getByTestId('nav-hosts')).toHaveAttribute('aria-current', 'page');
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // A tap outside the open menu folds it again.
    await page.touchscreen.tap(200, 820);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByTestId('nav-hosts')).toBeHidden();
  });
});
