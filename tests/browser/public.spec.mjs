// The public pages at phone width (issue 15 item 5): a citizen submits a
// demand through the web channel, follows it with its number and code
// (M-R-2; a wrong code says nothing more than "not found"), and reads the
// knowledge base.
import { test, expect } from '@playwright/test';
import { startHotline, shots } from './harness.mjs';

let hl;
test.beforeAll(async () => { hl = await startHotline(); });
test.afterAll(async () => { await hl.stop(); });
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('a citizen submits a demand on a phone and follows it with the number and code (M-R-1, M-R-2)', async ({ page }) => {
  const shot = shots('public');
  await page.goto(`${hl.url}/`);
  await expect(page.getByRole('heading', { name: '提交诉求' })).toBeVisible();

  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.locator('.field-error').filter({ hasText: '请选择诉求类型' })).toBeVisible();
  await shot(page, 'submit-error');

  await page.getByLabel('姓名').fill('刘洋');
  await page.getByLabel('联系电话').fill('13600001234');
  await page.getByLabel('诉求类别').selectOption('env.noise');
  await page.getByLabel('诉求类型').selectOption('complaint');
  await page.getByLabel('诉求内容').fill('小区旁工地每晚十一点后还在施工，噪音很大');
  await page.getByLabel('事发地址').fill('重庆市渝中区解放碑街道民族路188号');
  await page.getByRole('button', { name: '提交' }).click();
  const ok = page.locator('#submit-result');
  await expect(ok).toContainText('提交成功');
  await expect(ok).toContainText('已派至解放碑街道办理');
  const no = (await ok.locator('.ticket-no').textContent()).trim();
  const code = (await ok.locator('.code-once').textContent()).trim();
  await shot(page, 'submitted');
  const staff = await hl.api('GET', `/api/v1/tickets/${no}`, undefined, hl.token());
  expect(staff.body.channel).toBe('web');
  expect(staff.body.assignment.unit_id).toBe('500103003');

  // Nothing wider than the phone.
  expect(await page.evaluate(() => document.scrollingElement.scrollWidth)).toBeLessThanOrEqual(390);

  await page.getByRole('link', { name: '查询进度' }).click();
  await page.getByLabel('工单编号').fill(no);
  await page.getByLabel('提取码').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.locator('.field-error, .form-error').filter({ hasText: '工单编号或提取码不正确' })).toBeVisible();
  await page.getByLabel('提取码').fill(code);
  await page.getByRole('button', { name: '查询' }).click();
  const card = page.locator('#track-result');
  await expect(card).toContainText('已派单');
  await expect(card).toContainText('解放碑街道');
  await expect(card).toContainText('（最后办理日）');
  await expect(card).not.toContainText('13600001234');
  expect(page.url()).not.toContain(code);
  await shot(page, 'tracked');

  await page.getByRole('link', { name: '常见问题' }).click();
  await page.getByLabel('搜索').fill('社保卡');
  await page.getByRole('button', { name: '搜索' }).click();
  const first = page.locator('#kb-result .kb-list button').first();
  await expect(first).toBeVisible();
  await first.click();
  await expect(page.locator('#kb-result article h2')).toBeVisible();
  await expect(page.locator('#kb-result article')).toContainText('主管单位');
  await shot(page, 'knowledge');
});
