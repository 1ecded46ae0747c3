// 受理 (issue 15 item 2): the operator registers a demand as the call goes,
// sees the routing before saving (M-RT-1, M-DL-2, M-S-2), reads the
// extraction code once (M-R-2), and gets every error next to its field.
import { test, expect } from '@playwright/test';
import { startHotline, shots, login } from './harness.mjs';

let hl;
test.beforeAll(async () => { hl = await startHotline(); });
test.afterAll(async () => { await hl.stop(); });

test('an operator registers a demand in 渝中区 and sees its routing before and after saving (M-RT-1, M-R-2)', async ({ page }) => {
  const shot = shots('intake');
  const op = hl.addUser('wang.li', 'office', ['operator'], '王丽');
  await login(page, hl.url, op);
  await expect(page.getByRole('heading', { name: '诉求受理' })).toBeVisible();

  // Saving with nothing filled in: the API's first complaint, in Chinese, by its field.
  await page.getByRole('button', { name: /保存/ }).click();
  await expect(page.locator('#intake-result')).toBeEmpty();
  await expect(page.locator('.field-error').filter({ hasText: '请选择诉求类型' })).toBeVisible();
  await shot(page, 'error-next-to-field');

  await page.getByLabel('来电人姓名').fill('张三');
  await page.getByLabel('联系电话').fill('13812345678');
  await page.locator('#cat-search').fill('噪声');
  await page.getByRole('listbox', { name: '诉求类别' }).selectOption('env.noise');
  await page.getByLabel('诉求类型').selectOption('complaint');
  await page.getByLabel('诉求内容').fill('解放碑附近工地夜间施工，噪音扰民');
  await page.getByLabel('地址').fill('重庆市渝中区解放碑街道民族路188号');

  // The preview, before anything is saved: unit, reasons with rule ids, last working day.
  const preview = page.locator('#routing-preview');
  await expect(preview).toContainText('解放碑街道');
  await expect(preview).toContainText('M-RT-1');
  await expect(preview).toContainText('2026-12-23（最后办理日）');
  await shot(page, 'preview');
  const before = await hl.api('GET', '/api/v1/units/500103003/inbox', undefined, hl.token('500103003'));
  expect(before.body.counts.open).toBe(0);

  await page.keyboard.press('Control+Enter');
  const result = page.locator('#intake-result');
  await expect(result).toContainText('已登记并派单');
  const no = (await result.locator('.ticket-no').textContent()).trim();
  const code = (await result.locator('.code-once').textContent()).trim();
  expect(no).toMatch(/^20261202-\d{6}$/);
  expect(code).toMatch(/^\d{6}$/);
  await shot(page, 'registered');

  // What the page said is what the service holds.
  const caller = await hl.api('GET', `/api/v1/tickets/${no}?code=${code}`);
  expect(caller.status).toBe(200);
  const staff = await hl.api('GET', `/api/v1/tickets/${no}`, undefined, hl.token());
  expect(staff.body.assignment.unit_id).toBe('500103003');
  expect(staff.body.status).toBe('dispatched');
  expect(JSON.stringify(staff.body)).not.toContain('13812345678');

  // The same caller about the same matter again: the preview says it is a repeat.
  await page.getByRole('button', { name: '登记下一个来电' }).click();
  await expect(page.getByLabel('来电人姓名')).toBeFocused();
  await page.getByLabel('联系电话').fill('13812345678');
  await page.getByRole('listbox', { name: '诉求类别' }).selectOption('env.noise');
  await page.getByLabel('诉求类型').selectOption('complaint');
  await page.getByLabel('地址').fill('重庆市渝中区解放碑街道民族路188号');
  await expect(preview).toContainText('可能重复（M-S-2）');
  await expect(preview).toContainText(no);
  await shot(page, 'repeat-preview');
});

test('an operator refuses a demand at once with its basis and referral (M-C-1, M-S-3)', async ({ page }) => {
  const shot = shots('intake-refusal');
  const op = hl.addUser('li.na', 'office', ['operator'], '李娜');
  await login(page, hl.url, op);
  await page.getByLabel('来电人姓名').fill('赵六');
  await page.getByLabel('联系电话').fill('13900001111');
  await page.getByLabel('诉求内容').fill('要求热线撤销法院判决');
  await page.getByLabel('地址').fill('重庆市渝中区');
  await page.getByLabel('诉求类型').selectOption('help');
  await page.getByRole('radio', { name: '不予受理' }).check();
  await page.getByRole('button', { name: /保存/ }).click();
  await expect(page.locator('.field-error').filter({ hasText: '请选择不予受理依据' })).toBeVisible();
  await page.getByLabel('不予受理依据').selectOption('litigation');
  await expect(page.getByText('引导：有管辖权的人民法院或仲裁机构')).toBeVisible();
  await page.getByRole('button', { name: /保存/ }).click();
  const result = page.locator('#intake-result');
  await expect(result).toContainText('已办结');
  await expect(result).toContainText('12368');
  await shot(page, 'refused');
  const no = (await result.locator('.ticket-no').textContent()).trim();
  const staff = await hl.api('GET', `/api/v1/tickets/${no}`, undefined, hl.token());
  expect(staff.body.status).toBe('closed');
  expect(staff.body.disposal.type).toBe('refusal');
});

test('a pin on the map gives coordinates and a deadline typed as a day is that last working day (M-R-1, M-DL-3)', async ({ page }) => {
  const shot = shots('intake-pin');
  const op = hl.addUser('chen.jing', 'office', ['operator'], '陈静');
  await login(page, hl.url, op);
  await page.getByRole('listbox', { name: '诉求类别' }).selectOption('env.noise');
  await page.getByLabel('诉求类型').selectOption('complaint');
  const map = page.getByRole('img', { name: /重庆市地图/ });
  await expect(map.locator('canvas')).toBeVisible();
  const box = await map.boundingBox();
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
  const lat = Number(await page.getByLabel('纬度').inputValue());
  const lon = Number(await page.getByLabel('经度').inputValue());
  // Chongqing lies within 28.1–32.2 N, 105.2–110.2 E.
  expect(lat).toBeGreaterThan(28.1); expect(lat).toBeLessThan(32.2);
  expect(lon).toBeGreaterThan(105.2); expect(lon).toBeLessThan(110.2);
  const preview = page.locator('#routing-preview');
  await expect(preview).toContainText(/坐标|协调/);

  await page.getByLabel('指定办理时限（可选，M-DL-3）').fill('明天');
  await page.getByLabel('地址').fill('重庆市渝中区解放碑街道民族路188号');
  await expect(preview).toContainText('办理时限格式不正确');
  await page.getByLabel('指定办理时限（可选，M-DL-3）').fill('2026-12-10');
  await page.getByRole('button', { name: '清除定位' }).click();
  await expect(preview).toContainText('2026-12-10（最后办理日）');
  await expect(preview).toContainText('M-DL-3');
  await shot(page, 'deadline-given');
});

test('an operator answers at once from the knowledge base and the ticket cites the article (M-C-1, M-KB-3)', async ({ page }) => {
  const shot = shots('intake-answer');
  const op = hl.addUser('sun.li', 'office', ['operator'], '孙丽');
  await login(page, hl.url, op);
  await page.getByLabel('来电人姓名').fill('钱七');
  await page.getByLabel('联系电话').fill('13700002222');
  await page.getByLabel('诉求类型').selectOption('consultation');
  await page.getByLabel('诉求内容').fill('社保卡丢了怎么补办？');
  await page.getByLabel('地址').fill('重庆市渝中区');
  await page.getByRole('radio', { name: '直接答复' }).check();
  await page.getByLabel('知识库', { exact: true }).fill('社保卡');
  await page.getByLabel('知识库', { exact: true }).press('Enter');
  const first = page.getByRole('list', { name: '知识库搜索结果' }).getByRole('button').first();
  await expect(first).toContainText('社保卡');
  await expect(first.locator('mark').first()).toBeVisible();
  await first.click();
  await expect(page.getByText(/^已引用：/)).toBeVisible();
  await expect(page.getByLabel('直接答复内容')).toBeFocused();
  await page.getByLabel('直接答复内容').fill('请先通过电子社保卡或掌上12333挂失，再带身份证到社保卡服务网点补办。');
  await page.getByRole('button', { name: /保存/ }).click();
  const result = page.locator('#intake-result');
  await expect(result).toContainText('已办结');
  await shot(page, 'answered');
  const no = (await result.locator('.ticket-no').textContent()).trim();
  const staff = await hl.api('GET', `/api/v1/tickets/${no}`, undefined, hl.token());
  expect(staff.body.status).toBe('closed');
  expect(staff.body.disposal.type).toBe('direct_answer');
  expect(staff.body.disposal.article.id).toMatch(/^kb\./);
});
