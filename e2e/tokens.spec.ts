import { expect, login, test, useGateway } from './fixtures';

const gateway = useGateway();

test('an API token is shown once, works as a Bearer token, and stops working when revoked', async ({ page, playwright }) => {
  const gw = gateway();
  await login(page, gw, '/tokens');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('API tokens');
  await page.getByTestId('token-name-input').fill('ci script');
  await page.getByTestId('token-create').click();
  const value = page.getByTestId('token-value');
  await expect(value).toHaveText(/^tth_[A-Za-z0-9_-]{43}$/);
  const token = (await value.textContent())!;
  await expect(page.getByTestId('token-row').filter({ hasText: 'ci script' })).toHaveCount(1);

  // A fresh client without the browser's cookies, as a script would be.
  const api = await playwright.request.newContext({ baseURL: gw.url });
  const me = await api.get('/api/trpc/me', { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).result.data.name).toBe('admin');

  await page.reload();
  await expect(page.getByTestId('token-value')).toHaveCount(0); // never shown again
  await page.getByTestId('token-row').filter({ hasText: 'ci script' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('token-row')).toHaveCount(0);
  expect((await api.get('/api/trpc/me', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
  await api.dispose();
});
