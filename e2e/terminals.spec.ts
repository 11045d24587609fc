import { activeSession, expect, login, openCreateDialog, openNewWorkspace, tabSessions, terminalText, test, useGateway, waitForPrompt } from './fixtures';

const gateway = useGateway();

test('terminals run commands, survive a reload with their output, and can be killed', async ({ page }) => {
  const gw = gateway();
  await login(page, gw);

  // Create a workspace and open it.
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill('e2e-terminals');
  await page.getByTestId('workspace-create').click();
  const link = page.getByTestId('workspace-link').filter({ hasText: 'e2e-terminals' });
  await expect(link).toHaveCount(1);
  await link.click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');

  // A first terminal opens by itself; + opens a second one.
  const [s1] = await tabSessions(page, 1);
  await waitForPrompt(page, s1!);
  await page.getByTestId('terminal-new').click();
  const [first, s2] = await tabSessions(page, 2);
  expect(first).toBe(s1);
  expect(s2).not.toBe(s1);
  await expect.poll(() => activeSession(page)).toBe(s2);
  await waitForPrompt(page, s2!);

  // Terminal 1. The command line itself reads "tether-$((6*7))": only running it prints tether-42.
  await page.getByTestId('terminal-tab').nth(0).click();
  await expect.poll(() => activeSession(page)).toBe(s1);
  await page.keyboard.type('echo tether-$((6*7))\n');
  await expect.poll(() => terminalText(page, s1!)).toContain('tether-42');

  // Terminal 2.
  await page.getByTestId('terminal-tab').nth(1).click();
  await expect.poll(() => activeSession(page)).toBe(s2);
  await page.keyboard.type('echo two-$((1+1))\n');
  await expect.poll(() => terminalText(page, s2!)).toContain('two-2');
  expect(await terminalText(page, s1!)).not.toContain('two-2');

  // Reload: the same sessions come back as tabs, in order, with their output replayed.
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  expect(await tabSessions(page, 2)).toEqual([s1, s2]);
  await expect.poll(() => terminalText(page, s1!)).toContain('tether-42');
  await expect.poll(() => terminalText(page, s2!)).toContain('two-2');

  // Still live after the reload.
  await expect.poll(() => activeSession(page)).toBe(s1);
  await page.getByTestId('terminal-tab').nth(0).click();
  await page.keyboard.type('echo again-$((2+3))\n');
  await expect.poll(() => terminalText(page, s1!)).toContain('again-5');

  // Kill terminal 1: its tab stays and says how the process ended.
  await page.getByTestId('terminal-kill').click();
  await expect.poll(() => terminalText(page, s1!)).toContain('[process exited');
  await expect(page.getByTestId('terminal-tab').nth(0)).toHaveAttribute('data-exited', 'true');
  await expect(page.getByTestId('terminal-kill')).toBeDisabled();

  // Closing the exited tab makes the gateway forget the session: it does not come back.
  await page.getByTestId('terminal-close').nth(0).click();
  expect(await tabSessions(page, 1)).toEqual([s2]);
  await page.reload();
  expect(await tabSessions(page, 1)).toEqual([s2]);
  await expect.poll(() => terminalText(page, s2!)).toContain('two-2');
});

test('closing a running terminal kills it and it stays gone after a reload', async ({ page }) => {
  const s2 = await openNewWorkspace(page, gateway(), 'e2e-close');
  await page.getByTestId('terminal-new').click();
  const [, s3] = await tabSessions(page, 2);
  await waitForPrompt(page, s3!);
  await page.getByTestId('terminal-close').nth(1).click();
  // It still runs, so closing asks first (e2e/layout.spec.ts covers Cancel).
  await page.getByTestId('confirm-close').click();
  expect(await tabSessions(page, 1)).toEqual([s2]);
  await page.reload();
  expect(await tabSessions(page, 1)).toEqual([s2]);
});

test('a dropped connection resumes every terminal with no byte lost or repeated', async ({ page }) => {
  const s1 = await openNewWorkspace(page, gateway(), 'e2e-resume');

  // Output produced while the socket is down must arrive exactly once after the resume.
  await page.keyboard.type('sleep 0.5; seq 1 3000\n');
  const opensBefore = await page.evaluate(() => window.__tether!.connection!.opens());
  await page.evaluate(() => window.__tether!.connection!.drop());
  // A reconnect can take a few ms: count the new connection rather than poll for the gap.
  await expect.poll(() => page.evaluate(() => window.__tether!.connection!.opens())).toBe(opensBefore + 1);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  await expect.poll(async () => (await terminalText(page, s1!)).split('\n').includes('3000'), { timeout: 20_000 }).toBe(true);
  const numbers = (await terminalText(page, s1!)).split('\n').filter((l) => /^\d+$/.test(l));
  expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => String(i + 1)));

  // Typing still reaches the shell after the resume.
  await page.keyboard.type('echo resumed-$((3*3))\n');
  await expect.poll(() => terminalText(page, s1!)).toContain('resumed-9');
});

test('output far beyond the flow-control window keeps flowing (acks work)', async ({ page }) => {
  const s1 = await openNewWorkspace(page, gateway(), 'e2e-flow');
  // ~4 MB: eight times the gateway's 512 KiB high-water mark; without acks the PTY stays paused.
  await page.keyboard.type('head -c 4000000 /dev/zero | tr "\\0" "x"; echo; echo flowed-$((40+2))\n');
  await expect.poll(() => terminalText(page, s1!), { timeout: 30_000 }).toContain('flowed-42');

  // The session's 2 MiB replay ring no longer holds its start: a reload gets a reset plus the
  // retained tail (OPENED.snapshot), which still ends with the marker, and the shell still works.
  await page.reload();
  expect(await tabSessions(page, 1)).toEqual([s1]);
  await expect.poll(() => terminalText(page, s1!), { timeout: 30_000 }).toContain('flowed-42');
  await page.keyboard.type('echo after-snapshot-$((7*6))\n');
  await expect.poll(() => terminalText(page, s1!)).toContain('after-snapshot-42');
});
