/**
 * Moving a workspace: a local workspace holding a git repository moves to a cloud worker through
 * the header's "Move…" dialog (plan, progress, verified result); afterwards the header says
 * Cloud, a terminal runs there and the file tree shows the moved files.
 */
import { activeSession, expect, openNewWorkspace, terminalText, test, useGateway, waitForPrompt } from './fixtures';

// A move to the cloud takes a worker: leave room under the per-user limit.
const gateway = useGateway({ TETHER_CLOUD_MAX_PER_USER: '10' });

/** Starting a worker (when the warm pool is empty) and moving may take a while. */
const MOVE_TIMEOUT_MS = 90_000;

test('a local git workspace moves to a cloud worker: plan, progress, verified result, then terminal and files there', async ({ page }) => {
  test.setTimeout(240_000);
  const first = await openNewWorkspace(page, gateway(), 'e2e-move');
  const badge = page.getByTestId('runtime-health');
  await expect(badge).toContainText('This machine');

  // The dialog: the current place cannot be chosen; Escape closes it and gives focus back.
  const moveButton = page.getByTestId('move-workspace');
  const dialog = page.getByTestId('move-dialog');
  await moveButton.click();
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('role', 'dialog');
  const select = dialog.getByTestId('move-target');
  await expect(select.locator('option[value="local"]')).toBeDisabled();
  await expect(select.locator('option[value="cloud"]')).toBeEnabled();
  await expect(select).toBeFocused();
  // Not yet a repository: the plan says why, and nothing can be started.
  await select.selectOption('cloud');
  await dialog.getByTestId('move-plan-button').click();
  await expect(dialog.getByTestId('move-plan-error')).toContainText('not a git repository', { timeout: 20_000 });
  await expect(dialog.getByTestId('move-start')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(moveButton).toBeFocused();

  // A repository with a first commit and one staged file. The command line holds "repo-$((2+3))":
  // only running all of it prints repo-5.
  await page.getByTestId('terminal-tab').first().click();
  await page.keyboard.type(
    'git init -q -b main && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m first && echo hi > a.txt && git add a.txt && echo repo-$((2+3))\n',
  );
  await expect.poll(() => terminalText(page, first), { timeout: 20_000 }).toContain('repo-5');

  await moveButton.click();
  await expect(dialog).toBeVisible();
  await select.selectOption('cloud');
  await expect(dialog.getByTestId('move-size')).toHaveValue('small');
  await expect(dialog.getByTestId('move-path')).toHaveCount(0);
  await dialog.getByTestId('move-plan-button').click();
  const plan = dialog.getByTestId('move-plan');
  await expect(plan).toBeVisible({ timeout: 20_000 });
  await expect(plan.getByTestId('move-plan-branch').locator('dd')).toContainText(/^Branch main at [0-9a-f]{7}$/);
  await expect(plan.getByTestId('move-plan-changes').locator('dd')).toHaveText('1 changed file, 0 untracked files');
  await expect(plan.getByTestId('move-plan-terminals').locator('dd')).toHaveText('1 running');
  await expect(plan.getByTestId('move-warnings')).toContainText('reopened');

  await dialog.getByTestId('move-start').click();
  await expect(dialog.getByTestId('move-progress')).toBeVisible();
  await expect(dialog.getByTestId('move-step')).toHaveCount(6);
  const result = dialog.getByTestId('move-result');
  await expect(result).toContainText('files identical', { timeout: MOVE_TIMEOUT_MS });
  await expect(result).toContainText(/^Moved to .*cloud.* · branch main at [0-9a-f]{7} · files identical · .+ in .+ s/i);
  await expect(result).toContainText('1 terminal was reopened there.');
  await expect(dialog.getByTestId('move-error')).toHaveCount(0);
  await expect(dialog.locator('[data-testid="move-step"][data-state="done"]')).toHaveCount(6);
  await expect(dialog.getByTestId('move-cancel')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // The header now says Cloud.
  await expect(badge).toContainText('Cloud', { timeout: 30_000 });

  // The terminal panel re-listed: the old session is gone, the reopened one is active and runs on
  // the worker, where the repository arrived with its staged file.
  await expect.poll(() => activeSession(page), { timeout: 20_000 }).not.toBe(first);
  const moved = (await activeSession(page))!;
  expect(moved).toBeTruthy();
  await expect(page.locator(`[data-testid="terminal-tab"][data-session-id="${first}"]`)).toHaveCount(0);
  await waitForPrompt(page, moved);
  await page.locator(`[data-testid="terminal-tab"][data-session-id="${moved}"]`).click();
  await page.keyboard.type('echo moved-$((1+1)) && git status --short\n');
  await expect.poll(() => terminalText(page, moved), { timeout: 20_000 }).toContain('moved-2');
  await expect.poll(() => terminalText(page, moved)).toMatch(/A {2}a\.txt/);

  // The file tree reads the worker's files.
  await expect(page.locator('[data-testid="tree-item"][data-path="a.txt"]')).toHaveCount(1, { timeout: 15_000 });

  // Back on the cloud the dialog now offers this machine, and not the cloud.
  await moveButton.click();
  await expect(select.locator('option[value="cloud"]')).toBeDisabled();
  await expect(select.locator('option[value="local"]')).toBeEnabled();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});
