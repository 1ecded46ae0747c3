// The whole way of one demand through the console, by clicking alone
// (issue 15 item 7): an operator registers a noise complaint in 渝中区 and
// sees its routing; the street's liaison sees it arrive without reloading,
// accepts and answers it; the office reveals the caller's phone (audited),
// calls back and the ticket closes; the citizen looks it up with the code.
import { test, expect } from '@playwright/test';
import { startHotline, shots, login } from './harness.mjs';

let hl;
test.beforeAll(async () => { hl = await startHotline(); });
test.afterAll(async () => { await hl.stop(); });

test('a demand goes from intake to close in the console and the citizen reads the result (M-R-1 … M-SV-2)', async ({ browser }) => {
  const shot = shots('flow');
  const operator = hl.addUser('wang.li', 'office', ['operator', 'supervisor'], '王丽');
  const liaison = hl.addUser('jfb.liaison', '500103003', ['liaison'], '解放碑联络员');
  const errors = [];
  const open = async () => {
    const p = await browser.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  };

  // The street's liaison is signed in, the inbox open, before the call comes.
  const street = await open();
  await login(street, hl.url, liaison);
  await street.goto(`${hl.url}/console/#/inbox`);
  await expect(street.locator('.live')).toHaveText('实时');
  await street.evaluate(() => { window.__notReloaded = true; });

  // 1. The operator registers the call.
  const op = await open();
  await login(op, hl.url, operator);
  await op.goto(`${hl.url}/console/#/intake`);
  await op.getByLabel('来电人姓名').fill('张三');
  await op.getByLabel('联系电话').fill('13812345678');
  await op.locator('#cat-search').fill('噪声');
  await op.getByRole('listbox', { name: '诉求类别' }).selectOption('env.noise');
  await op.getByLabel('诉求类型').selectOption('complaint');
  await op.getByLabel('诉求内容').fill('解放碑附近工地夜间施工，噪音扰民');
  await op.getByLabel('地址').fill('重庆市渝中区解放碑街道民族路188号');
  await expect(op.locator('#routing-preview')).toContainText('解放碑街道');
  await op.keyboard.press('Control+Enter');
  const result = op.locator('#intake-result');
  await expect(result).toContainText('已登记并派单');
  const no = (await result.locator('.ticket-no').textContent()).trim();
  const code = (await result.locator('.code-once').textContent()).trim();
  await shot(op, 'operator-registered');

  // 2. The street sees it arrive, pushed; accepts and answers it.
  const row = street.locator(`tr[data-ticket="${no}"]`);
  await expect(row).toBeVisible();
  expect(await street.evaluate(() => window.__notReloaded)).toBe(true);
  await shot(street, 'street-inbox');
  await row.getByRole('link', { name: no }).click();
  await street.locator('#act-accept').getByRole('button', { name: '签收' }).click();
  await expect(street.locator('h1 .badge')).toHaveText('已签收');
  const reply = street.locator('#act-reply');
  await reply.getByLabel('答复内容').fill('已约谈施工单位，夜间22时后停止高噪声作业，街道执法队将夜间巡查。');
  await reply.getByRole('button', { name: '提交答复' }).click();
  await expect(street.locator('h1 .badge')).toHaveText('已答复');
  await shot(street, 'street-replied');

  // 3. The office calls back: the phone only after the audited reveal.
  await op.getByRole('link', { name: '回访审批' }).click();
  const card = op.locator(`#callback-list article[data-ticket="${no}"]`);
  await expect(card).toContainText('夜间22时后停止高噪声作业');
  await expect(card).toContainText('138****5678');
  await card.getByRole('button', { name: '查看来电人联系方式（回访）' }).click();
  await expect(card.locator('.caller-phone')).toHaveText('13812345678');
  await card.getByText('满意', { exact: true }).check();
  await card.getByText('已解决', { exact: true }).check();
  await card.getByRole('button', { name: '提交回访' }).click();
  await expect(op.locator(`#callback-list article[data-ticket="${no}"]`)).toHaveCount(0);
  await shot(op, 'office-closed');
  const staff = await hl.api('GET', `/api/v1/tickets/${no}`, undefined, hl.token());
  expect(staff.body.status).toBe('closed');

  // 4. The citizen, on a phone, with the number and the code.
  const citizen = await browser.newPage({ viewport: { width: 390, height: 844 } });
  citizen.on('pageerror', (e) => errors.push(e.message));
  await citizen.goto(`${hl.url}/#track`);
  await citizen.getByLabel('工单编号').fill(no);
  await citizen.getByLabel('提取码').fill(code);
  await citizen.getByRole('button', { name: '查询' }).click();
  const card2 = citizen.locator('#track-result');
  await expect(card2).toContainText('已办结');
  await expect(card2).toContainText('夜间22时后停止高噪声作业');
  await expect(card2).toContainText('满意');
  await shot(citizen, 'citizen-closed');
  expect(errors).toEqual([]);
});
