import { expect, login, openCreateDialog, test, useGateway } from './fixtures';

const gateway = useGateway();

test('the create form explains bad and duplicate names; links open workspaces', async ({ page }) => {
  const gw = gateway();
  await login(page, gw);
  await openCreateDialog(page);
  const input = page.getByTestId('workspace-name-input');
  const error = page.getByTestId('workspace-name-error');
  const links = page.getByTestId('workspace-link');

  await input.fill('has spaces');
  await expect(error).toContainText('letters, digits');
  await page.getByTestId('workspace-create').click();
  await expect(links).toHaveCount(0);

  await input.fill('alpha');
  await expect(error).toHaveCount(0);
  await page.getByTestId('workspace-create').click();
  await expect(links.filter({ hasText: 'alpha' })).toHaveCount(1);
  // The dialog closed; opened again, the form is empty.
  await expect(page.getByTestId('create-dialog')).toHaveCount(0);
  await openCreateDialog(page);
  await expect(input).toHaveValue('');

  await input.fill('alpha');
  await page.getByTestId('workspace-create').click();
  await expect(error).toContainText('already exists');
  await expect(links).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('create-dialog')).toHaveCount(0);

  await links.first().click();
  await expect(page).toHaveURL(/\/w\/[^/]+$/);
  await expect(page.getByTestId('workspace-title')).toHaveText('alpha');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');
  await page.getByTestId('back-link').click();
  await expect(page).toHaveURL(`${gw.url}/`);
  await expect(links).toHaveCount(1);
});

test('an unknown workspace id says so instead of opening terminals', async ({ page }) => {
  const gw = gateway();
  await login(page, gw, '/w/no-such-workspace');
  await expect(page).toHaveURL(/\/w\/no-such-workspace$/);
  await expect(page.getByText('This workspace does not exist')).toBeVisible();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(0);
});

test('removing a workspace asks first, says what happens to the files, and takes it off the list', async ({ page }) => {
  const gw = gateway();
  await login(page, gw);
  await openCreateDialog(page);
  await page.getByTestId('workspace-name-input').fill('doomed');
  await page.getByTestId('workspace-create').click();
  const row = page.locator('.workspace-row', { has: page.getByTestId('workspace-link').filter({ hasText: 'doomed' }) });
  await expect(row).toHaveCount(1);
  let question = '';
  page.once('dialog', (d) => {
    question = d.message();
    void d.dismiss();
  });
  await row.getByTestId('workspace-remove').click();
  await expect.poll(() => question).toContain('files stay where they are');
  await expect(row).toHaveCount(1); // dismissed: nothing removed
  page.once('dialog', (d) => void d.accept());
  await row.getByTestId('workspace-remove').click();
  await expect(row).toHaveCount(0);
});
