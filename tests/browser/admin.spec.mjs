// 账号 and 审计 (M-U-1, M-D-3): an admin makes an account by clicking, the new
// person signs in with it; a disabled account is refused at once; the
// auditor reads what was done.
import { test, expect } from '@playwright/test';
import { startHotline, shots, login } from './harness.mjs';

let hl;
test.beforeAll(async () => { hl = await startHotline(); });
test.afterAll(async () => { await hl.stop(); });

test('an admin creates a liaison account in the console, who then signs in; the auditor sees it (M-U-1)', async ({ page, browser }) => {
  const shot = shots('admin');
  const admin = hl.addUser('admin.zhou', 'office', ['admin'], '周管理');
  const auditor = hl.addUser('audit.wu', 'office', ['auditor'], '吴审计');
  await login(page, hl.url, admin);
  await expect(page.getByRole('heading', { name: '账号管理' })).toBeVisible();

  await page.getByLabel('用户名').fill('jfb.li');
  await page.getByLabel('姓名').fill('李联络');
  await page.locator('#unit-search').fill('解放碑');
  await page.getByRole('listbox', { name: '所属单位' }).selectOption('500103003');
  await page.getByLabel('初始密码').fill('解放碑 liaison 2026 口令');
  await page.getByRole('button', { name: '创建' }).click();
  // No role chosen: the server's refusal, by its field.
  await expect(page.locator('.field-error, .form-error').filter({ hasText: '请选择角色' })).toBeVisible();
  await page.getByRole('checkbox', { name: '联络员' }).check();
  await page.getByLabel('初始密码').fill('short');
  await page.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('.field-error').filter({ hasText: '密码至少10个字符' })).toBeVisible();
  await page.getByLabel('初始密码').fill('解放碑 liaison 2026 口令');
  await page.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('#user-list')).toContainText('jfb.li');
  await expect(page.locator('#user-list')).toContainText('解放碑街道');
  await shot(page, 'users');

  const other = await browser.newPage();
  await login(other, hl.url, { username: 'jfb.li', password: '解放碑 liaison 2026 口令' });
  await expect(other.locator('#who')).toContainText('李联络');
  await other.close();

  await page.locator('#user-list tr', { hasText: 'jfb.li' }).getByRole('button', { name: '停用' }).click();
  await expect(page.locator('#user-list tr', { hasText: 'jfb.li' })).toContainText('已停用');
  const refused = await hl.api('POST', '/api/v1/session', { username: 'jfb.li', password: '解放碑 liaison 2026 口令' });
  expect(refused.status).toBe(401);

  const ap = await browser.newPage();
  await login(ap, hl.url, auditor);
  await expect(ap.getByRole('heading', { name: '审计日志' })).toBeVisible();
  await expect(ap.locator('#audit-list')).toContainText('新建账号');
  await expect(ap.locator('#audit-list')).toContainText('停用账号');
  await shots('audit')(ap, 'audit');
});
