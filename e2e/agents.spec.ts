/**
 * The agents view on a phone: the home page sends a phone to /agents; agents started from the
 * form show their server-derived status (working / waiting); tapping one opens the phone
 * terminal on the current screen (a snapshot, far smaller than replaying the output), where the
 * composer and the ^C key reach the program — checked out of band, through the list's lines.
 */
import type { Locator, Page } from '@playwright/test';
import { agentRow, expect, login, startAgent, terminalText, test, useGateway } from './fixtures';

const gateway = useGateway();

test.use({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });

const WORKING = `bash -c 'for i in $(seq 1 100000); do echo working $i; sleep 0.2; done'`;
const ASKING = `bash -c 'printf "Apply these changes? (y/n) "; read x; echo got:$x; sleep 600'`;
const TRAPPING = `bash -c 'trap "echo INTERRUPTED; sleep 600" INT; echo ready; sleep 1000 & wait'`;
const BULK = `bash -c 'seq 1 50000; echo bulk-done; sleep 1000'`;

const row = agentRow;

/** The screen lines the server reports for a row (the list, not the terminal view). */
const rowLines = (page: Page, name: string) => row(page, name).getByTestId('agent-lines');

async function openRow(page: Page, name: string, sessionId: string): Promise<void> {
  await row(page, name).getByTestId('agent-name').tap();
  await expect(page).toHaveURL(new RegExp(`/agents\\?s=${sessionId}$`));
  await expect.poll(() => page.evaluate((id) => Boolean(window.__tether?.terminals[id]), sessionId)).toBe(true);
}

async function backToList(page: Page): Promise<void> {
  await page.goBack();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId('agent-start')).toBeVisible();
}

test('signed out, the agents view sends to sign-in and back', async ({ page }) => {
  await login(page, gateway(), '/agents');
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId('agents-view')).toBeVisible();
  // The menu leads to the workspaces; having seen a page in this tab, a phone is not sent back here.
  await page.getByTestId('nav-menu').tap();
  await page.getByTestId('nav-workspaces').tap();
  await expect(page).toHaveURL(`${gateway().url}/`);
  await expect(page.getByTestId('new-workspace')).toBeVisible();
  await page.waitForTimeout(500);
  await expect(page).toHaveURL(`${gateway().url}/`);
});

test('a phone checks on agents, answers one, interrupts another, and attaches by snapshot', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const gw = gateway();

  // A phone signing in at / lands on the agents view.
  await login(page, gw);
  await expect(page).toHaveURL(/\/agents$/);
  await expect(page.getByTestId('agents-view')).toBeVisible();

  // Notifications: offered while the browser would still ask, gone once it answered.
  await page.getByTestId('notify-enable').tap();
  await expect(page.getByTestId('notify-enable')).toHaveCount(0);

  // A workspace (tRPC over HTTP with the session cookie), then the view again to list it.
  const created = await page.request.post(`${gw.url}/api/trpc/workspaces.create`, { data: { name: 'e2e-agents' } });
  expect(created.ok()).toBe(true);
  const workspaceId = ((await created.json()) as { result: { data: { id: string } } }).result.data.id;
  await page.reload();
  await expect(page.getByTestId('agent-start-workspace').locator(`option[value="${workspaceId}"]`)).toHaveCount(1);

  // Two agents: one keeps printing (working), one asks a question and goes quiet (waiting).
  const working = await startAgent(page, workspaceId, 'worker', WORKING, 'tap');
  const asking = await startAgent(page, workspaceId, 'asker', ASKING, 'tap');
  await expect(row(page, 'worker')).toHaveAttribute('data-status', 'working', { timeout: 20_000 });
  await expect(row(page, 'worker').getByTestId('agent-status')).toHaveText(/working/);
  await expect(row(page, 'asker')).toHaveAttribute('data-status', 'waiting', { timeout: 20_000 });
  await expect(row(page, 'asker').getByTestId('agent-status')).toHaveText(/waiting/);
  await expect(rowLines(page, 'asker')).toContainText('Apply these changes? (y/n)');
  // …and the page says so (a toast; a system notification too when the page is in the background).
  const toast = page.getByTestId('agent-toast').filter({ hasText: 'asker is waiting for you' });
  await expect(toast).toBeVisible();
  await toast.getByRole('button', { name: 'Dismiss' }).tap();
  await expect(toast).toHaveCount(0);
  await expect(row(page, 'worker')).toHaveAttribute('data-status', 'working'); // still going
  const workspaceLink = row(page, 'asker').getByTestId('agent-workspace-link');
  await expect(workspaceLink).toHaveAttribute('href', `/w/${workspaceId}`);

  // Tap the waiting one: its terminal shows the question; answer through the composer.
  await openRow(page, 'asker', asking);
  await expect.poll(() => terminalText(page, asking)).toContain('Apply these changes?');
  const composer = page.getByTestId('composer-input');
  // Touch screens get the composer open; should this one not count as one, open it.
  if (!(await composer.isVisible())) await page.getByTestId('composer-toggle').tap();
  await composer.tap();
  await composer.fill('y');
  await page.getByTestId('composer-send').tap();
  await expect.poll(() => terminalText(page, asking)).toContain('got:y');
  // Out of band: the server's own screen of the session says so too.
  await backToList(page);
  await expect(rowLines(page, 'asker')).toContainText('got:y', { timeout: 20_000 });

  // ^C from the key bar reaches the program (its trap prints, as the server's screen shows).
  const trapping = await startAgent(page, workspaceId, 'trapper', TRAPPING, 'tap');
  await expect(rowLines(page, 'trapper')).toContainText('ready', { timeout: 20_000 });
  await openRow(page, 'trapper', trapping);
  await expect.poll(() => terminalText(page, trapping)).toContain('ready');
  await page.getByTestId('key-ctrl-c').tap();
  await backToList(page);
  await expect(rowLines(page, 'trapper')).toContainText('INTERRUPTED', { timeout: 20_000 });

  // A session that printed a lot: attaching by snapshot costs a fraction of a replay.
  const bulk = await startAgent(page, workspaceId, 'bulk', BULK, 'tap');
  await expect(rowLines(page, 'bulk')).toContainText('bulk-done', { timeout: 30_000 });
  await openRow(page, 'bulk', bulk);
  await expect.poll(() => terminalText(page, bulk)).toContain('bulk-done');
  const snap = await page.evaluate((id) => window.__tether!.terminals[id]!.attach(), bulk);
  expect(snap.mode).toBe('snapshot');
  expect(snap.snapshotBytes).toBeGreaterThan(0);

  // The desktop workspace page attaches the same session by replaying its output.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState: await page.context().storageState() });
  try {
    const dp = await desk.newPage();
    await dp.goto(`${gw.url}/w/${workspaceId}`);
    await expect.poll(() => terminalText(dp, bulk), { timeout: 30_000 }).toContain('bulk-done');
    const replay = await dp.evaluate((id) => window.__tether!.terminals[id]!.attach(), bulk);
    expect(replay.mode).toBe('replay');
    expect(replay.outputBytes).toBeGreaterThan(50_000 * 5); // "1\r\n" … "50000\r\n" is ~290 kB
    expect(snap.snapshotBytes + snap.outputBytes).toBeLessThan(replay.outputBytes / 5);
  } finally {
    await desk.close();
  }

  // Back on the phone: the terminal's own back button returns to the list.
  await page.getByTestId('phone-back').tap();
  await expect(page).toHaveURL(/\/agents$/);
  await expect(row(page, 'worker')).toHaveAttribute('data-status', 'working');
  expect(working).not.toBe(asking);
});
