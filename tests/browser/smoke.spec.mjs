// The pages are served by hotlined itself, same-origin only, and the
// console's sign-in works with an account made by `hotline user add`.
import { test, expect } from '@playwright/test';
import { startHotline, shots, login } from './harness.mjs';

let hl;
test.beforeAll(async () => { hl = await startHotline(); });
test.afterAll(async () => { await hl.stop(); });

test('console signs in and out, and asks nothing of another host', async ({ page }) => {
  const shot = shots('smoke');
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(hl.url)) foreign.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const op = hl.addUser('wang.li', 'office', ['operator', 'supervisor'], '王丽');

  await page.goto(`${hl.url}/console/`);
  await expect(page.getByRole('heading', { name: '工作人员登录' })).toBeVisible();
  await page.getByLabel('用户名').fill('wang.li');
  await page.getByLabel('密码').fill('wrong password 2026');
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByText('用户名或密码不正确')).toBeVisible();
  await shot(page, 'login-error');

  await login(page, hl.url, op);
  await expect(page.locator('#who')).toContainText('王丽');
  await shot(page, 'signed-in');
  await page.getByRole('button', { name: '退出' }).click();
  await expect(page.getByRole('heading', { name: '工作人员登录' })).toBeVisible();
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
});
