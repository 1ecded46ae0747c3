// The units' pages of the console (issue 15 item 4), in Debian's chromium
// against a real hotlined: a street's liaison sees a ticket arrive in the
// inbox without reloading (pushed, M-D-2), signs for it and answers it
// (§2.5, §2.6); asks for an extension that the district approves from its
// subordinates page (M-DL-5); returns a ticket with its reasons into the
// office's coordination queue (M-RT-4). API errors show next to their field.
import { test, expect } from '@playwright/test';
import { startHotline, shots, login } from './harness.mjs';

let hl;
let office;
test.beforeAll(async () => {
  hl = await startHotline();
  office = hl.token('office');
});
test.afterAll(async () => { await hl.stop(); });

let phone = 13800000100;
/** A noise complaint at 解放碑 registered through the API (what an operator would do). */
async function register(content) {
  phone += 1;
  const r = await hl.api('POST', '/api/v1/demands', {
    request_id: `unit-spec-${phone}`, channel: 'phone', kind: 'complaint', category: 'env.noise', content,
    caller: { name: '张三', phone: String(phone) }, location: { address: '重庆市渝中区解放碑街道民族路188号' },
  });
  expect(r.status).toBe(201);
  expect(r.body.assignment.unit_id).toBe('500103003');
  return r.body.ticket_no;
}

function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('M-D-2: a ticket pushed into the street inbox is accepted and answered through the page', async ({ page }) => {
  const shot = shots('unit-inbox-reply');
  const errors = watchErrors(page);
  const liaison = hl.addUser('jfb.liaison', '500103003', ['liaison'], '解放碑联络员');
  const earlier = await register('民族路夜间施工噪音，凌晨两点还在打桩');

  await login(page, hl.url, liaison);
  await page.goto(`${hl.url}/console/#/inbox`);
  await expect(page.getByRole('heading', { name: /待办工单 · 解放碑街道/ })).toBeVisible();
  await expect(page.locator('.live')).toHaveText('实时');
  await expect(page.locator(`tr[data-ticket="${earlier}"]`)).toBeVisible();
  await expect(page.locator('button.stat[data-filter="all"] b')).toHaveText('1');

  // Pushed, not reloaded: a marker set in the page survives the arrival.
  await page.evaluate(() => { window.__notReloaded = true; });
  const no = await register('解放碑步行街旁酒吧音响声音太大，深夜扰民');
  const row = page.locator(`tr[data-ticket="${no}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveClass(/fresh/);
  await expect(row).toContainText('新到');
  await expect(row).toContainText('噪声扰民');
  await expect(row).toContainText('已派单');
  await expect(row).toContainText('承办');
  await expect(page.locator('button.stat[data-filter="all"] b')).toHaveText('2');
  expect(await page.evaluate(() => window.__notReloaded)).toBe(true);
  await shot(page, 'inbox-pushed');

  // Filter by a count: 已签收 has none yet, 已派单 both.
  await page.locator('button.stat[data-filter="dispatched"]').click();
  await expect(page.locator('button.stat[data-filter="dispatched"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('button.stat[data-filter="dispatched"]')).toBeFocused(); // rebuilt, focus kept
  await expect(page.locator('tbody tr')).toHaveCount(2);

  await row.getByRole('link', { name: no }).click();
  await expect(page.getByRole('heading', { name: `工单 ${no}` })).toBeVisible();
  await expect(page.locator('#demand-h + dl')).toContainText('酒吧音响');
  await expect(page.locator('#demand-h + dl')).toContainText('张*'); // masked, never in clear
  await expect(page.locator('main')).not.toContainText(String(phone));
  await expect(page.locator('.reasons')).toContainText('M-RT-1');
  const view = (await hl.api('GET', `/api/v1/tickets/${no}`, null, office)).body;
  await expect(page.locator('.deadline')).toHaveText(`${view.deadline_date}（最后办理日）`);
  await expect(page.locator('.timeline')).toContainText('派单');
  await shot(page, 'ticket-dispatched');

  await page.locator('#act-accept').getByRole('button', { name: '签收' }).click();
  await expect(page.locator('h1 .badge')).toHaveText('已签收');
  await expect(page.locator('.timeline')).toContainText('解放碑联络员');

  // An empty answer: the API's error, in Chinese, next to the field.
  const reply = page.locator('#act-reply');
  await reply.getByRole('button', { name: '提交答复' }).click();
  await expect(reply.locator('.field[data-for="text"] .field-error')).toHaveText('请填写答复内容');
  await expect(reply.getByLabel('答复内容')).toHaveAttribute('aria-invalid', 'true');
  await shot(page, 'reply-empty-error');
  await reply.getByLabel('答复内容').fill('已联系酒吧经营者，责令其夜间22点后降低音量并加装隔音设施，街道执法队将夜间复查。');
  await reply.getByRole('button', { name: '提交答复' }).click();
  await expect(page.locator('h1 .badge')).toHaveText('已答复');
  await expect(page.locator('#answer-h + dl')).toContainText('加装隔音设施');
  await shot(page, 'ticket-replied');

  const after = await hl.api('GET', `/api/v1/tickets/${no}`, null, office);
  expect(after.body.status).toBe('replied');
  expect(after.body.answer.text).toContain('加装隔音设施');

  // The phone width: the inbox is usable at 390×844, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${hl.url}/console/#/inbox`);
  await expect(page.locator(`tr[data-ticket="${earlier}"]`)).toBeVisible();
  await expect(page.locator('#notices .notice')).toHaveCount(0);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, 'inbox-phone');
  await page.goto(`${hl.url}/console/#/ticket/${earlier}`);
  await expect(page.locator('#act-accept')).toBeVisible();
  await shot(page, 'ticket-phone');
  expect(errors).toEqual([]);
});

test('M-DL-5: the street asks for more time, 渝中区 approves it from its subordinates page', async ({ page }) => {
  const shot = shots('unit-extension');
  const errors = watchErrors(page);
  const street = hl.addUser('jfb.liaison2', '500103003', ['liaison'], '解放碑联络员乙');
  const district = hl.addUser('yz.liaison', '500103', ['liaison'], '渝中区联络员');
  const no = await register('较场口夜市音响噪声持续到凌晨，多次反映未解决');
  const before = (await hl.api('GET', `/api/v1/tickets/${no}`, null, office)).body;
  // A week past the current last working day (the API takes the end of that day).
  const d = new Date(`${before.deadline_date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 7);
  const newDay = d.toISOString().slice(0, 10);

  await login(page, hl.url, street);
  await expect(page.locator('#nav')).not.toContainText('下属单位'); // a street has none
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await page.locator('#act-extension-h').click(); // folded until asked for
  const form = page.locator('#act-extension');
  await form.getByLabel('延期理由').fill('需协调区生态环境局联合夜间监测，取证需要时间');
  await form.getByLabel('目前办理进展').fill('已约谈夜市管理方，正在安排夜间噪声监测');
  // A day not later than the current one: refused, said next to the date.
  await form.getByLabel('延期后的最后办理日').fill(before.deadline_date);
  await form.getByRole('button', { name: '提交延期申请' }).click();
  await expect(form.locator('.field[data-for="new_deadline"] .field-error')).toHaveText('延期后的最后办理日应晚于现在的最后办理日');
  await shot(page, 'extension-error');
  await form.getByLabel('延期后的最后办理日').fill(newDay);
  await form.getByRole('button', { name: '提交延期申请' }).click();
  await expect(page.locator('#ext-h')).toContainText('待审批');
  await expect(page.locator('#act-extension')).toHaveCount(0);
  await shot(page, 'extension-requested');
  await page.getByRole('button', { name: '退出' }).click();

  await login(page, hl.url, district);
  await page.getByRole('link', { name: '下属单位' }).click();
  await expect(page.getByRole('heading', { name: '下属单位 · 渝中区' })).toBeVisible();
  await expect(page.locator('#subs-h + table')).toContainText('解放碑街道');
  const card = page.locator(`#pending-extensions article[data-ticket="${no}"]`);
  await expect(card).toContainText(`申请延至 ${newDay}`);
  await shot(page, 'subordinates');
  await card.getByLabel('审批意见').fill('同意延期，请按期完成联合监测');
  await card.getByRole('button', { name: '批准延期' }).click();
  await expect(page.locator('#pending-extensions')).toContainText('没有待审批的延期申请');

  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await expect(page.locator('.deadline')).toHaveText(`${newDay}（最后办理日）`);
  await expect(page.locator('#ext-h')).toContainText('已批准');
  await expect(page.locator('.timeline')).toContainText('渝中区联络员');
  // The timeline names last working days too, never the instant that ends them.
  await expect(page.locator('.timeline')).toContainText(`批准延期，最后办理日延至${newDay}`);
  await expect(page.locator('.timeline')).toContainText(`最后办理日${before.deadline_date}`);
  await expect(page.locator('.timeline')).not.toContainText('T00:00:00');
  await shot(page, 'extension-approved');
  // The street reads the same last day on its ticket page and in its inbox.
  await page.getByRole('button', { name: '退出' }).click();
  await login(page, hl.url, street);
  await page.goto(`${hl.url}/console/#/inbox`);
  await expect(page.locator(`tr[data-ticket="${no}"]`)).toContainText(newDay);
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await expect(page.locator('.deadline')).toHaveText(`${newDay}（最后办理日）`);
  await expect(page.locator('#act-extension-h')).toBeVisible(); // may ask again, before the new last day
  const after = (await hl.api('GET', `/api/v1/tickets/${no}`, null, office)).body;
  expect(after.deadline_date).toBe(newDay);
  expect(after.deadline_rule).toBe('M-DL-5');
  expect(errors).toEqual([]);
});

test('M-RT-4: a ticket returned with its reasons lands in the office coordination queue', async ({ page }) => {
  const shot = shots('unit-return');
  const errors = watchErrors(page);
  const liaison = hl.addUser('jfb.liaison3', '500103003', ['liaison'], '解放碑联络员丙');
  const no = await register('轨道交通施工噪声，夜间作业影响休息');

  await login(page, hl.url, liaison);
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await page.locator('#act-return-h').click();
  const form = page.locator('#act-return');
  await form.getByRole('button', { name: '退回热线' }).click();
  await expect(form.locator('.field[data-for="reason"] .field-error')).toHaveText('请填写退单理由');
  await form.getByLabel('退单理由').fill('轨道交通建设工地由市住房城乡建委监管，不属于街道职责');
  await shot(page, 'return-filled');
  await form.getByRole('button', { name: '退回热线' }).click();
  await expect(page.getByRole('heading', { name: /待办工单/ })).toBeVisible();
  await expect(page.locator('#notices')).toContainText(`${no} 已退回热线协调`);
  const coordination = await hl.api('GET', '/api/v1/coordination', null, office);
  expect(coordination.status).toBe(200);
  const queued = coordination.body.tickets.find((t) => t.ticket_no === no);
  expect(queued).toBeTruthy();
  expect(queued.status).toBe('coordinating');
  expect(queued.returns[0].reason).toContain('市住房城乡建委');
  await expect(page.locator('.live')).toHaveText('实时');
  await expect(page.locator(`tr[data-ticket="${no}"]`)).toHaveCount(0);
  await shot(page, 'inbox-after-return');
  expect(errors).toEqual([]);
});

test('M-DL-4, M-RT-3: the lead answers once the cooperating opinion and the concrete handler report are in', async ({ page }) => {
  const shot = shots('unit-cooperation');
  const errors = watchErrors(page);
  const lead = hl.addUser('jfb.liaison4', '500103003', ['liaison'], '解放碑联络员丁');
  const coop = hl.addUser('yzhb.liaison', '500103.ecology-environment', ['liaison'], '渝中区生态环境局联络员');
  const water = hl.addUser('water.handler', 'cq.water', ['handler'], '水务集团承办人');
  // Setup through the API: returned by the street, designated by the office
  // with 渝中区生态环境局 cooperating (what the office's pages do).
  const no = await register('民族路餐馆后厨排风机噪声和污水外溢，夜间扰民');
  const street = hl.token('500103003');
  expect((await hl.api('POST', `/api/v1/tickets/${no}/return`, { reason: '涉及排污，需生态环境部门参与' }, street)).status).toBe(200);
  const designated = await hl.api('POST', `/api/v1/tickets/${no}/designation`, {
    lead_unit_id: '500103003', cooperating_unit_ids: ['500103.ecology-environment'], reason: '噪声由街道牵头，排污由区生态环境局协办',
  }, office);
  expect(designated.status).toBe(200);

  // The lead signs for it; its answer waits for the opinion (M-DL-4); it
  // hands the drain to the water company (M-RT-3).
  await login(page, hl.url, lead);
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await page.locator('#act-accept').getByRole('button', { name: '签收' }).click();
  await expect(page.locator('#act-reply')).toContainText('待以下协办单位提交意见后才能答复（M-DL-4）：渝中区生态环境局');
  await expect(page.locator('#units-h + ul')).toContainText('待提交意见');
  await page.locator('#act-handler-h').click();
  const handler = page.locator('#act-handler');
  await expect(handler.locator('option[value="cq.water"]')).toHaveCount(1);
  await handler.getByLabel('具体承办单位').selectOption('cq.water');
  await handler.getByRole('button', { name: '交办' }).click();
  await expect(handler.locator('.field[data-for="instruction"] .field-error')).toHaveText('请填写交办要求');
  await handler.getByLabel('交办要求').fill('请核查民族路188号餐馆污水管是否接入市政管网，三日内报告');
  await handler.getByRole('button', { name: '交办' }).click();
  await expect(page.locator('#units-h ~ dl')).toContainText('重庆水务集团股份有限公司');
  await expect(page.locator('#units-h ~ dl')).toContainText('尚未报告');
  await shot(page, 'lead-waiting');
  await page.getByRole('button', { name: '退出' }).click();

  // The cooperating unit finds it in its inbox (协办) and gives its opinion.
  await login(page, hl.url, coop);
  await page.goto(`${hl.url}/console/#/inbox`);
  const row = page.locator(`tr[data-ticket="${no}"]`);
  await expect(row).toContainText('协办');
  await row.getByRole('link', { name: no }).click();
  const opinion = page.locator('#act-opinion');
  await opinion.getByRole('button', { name: '提交意见' }).click();
  await expect(opinion.locator('.field[data-for="text"] .field-error')).toHaveText('请填写协办意见');
  await opinion.getByLabel('协办意见').fill('已派执法人员夜间检测，排风机噪声超标，建议责令加装消声器；污水问题请水务核查管网。');
  await opinion.getByRole('button', { name: '提交意见' }).click();
  await expect(page.locator('#units-h + ul')).toContainText('已提交意见');
  await expect(page.locator('#act-opinion')).toHaveCount(0);
  await shot(page, 'opinion-given');
  await page.getByRole('button', { name: '退出' }).click();

  // The water company's handler reports to the lead.
  await login(page, hl.url, water);
  await page.goto(`${hl.url}/console/#/inbox`);
  await expect(page.locator(`tr[data-ticket="${no}"]`)).toContainText('具体承办');
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await page.locator('#act-handler-report').getByLabel('办理情况').fill('已疏通并改接污水管至市政管网，外溢已停止。');
  await page.locator('#act-handler-report').getByRole('button', { name: '提交报告' }).click();
  await expect(page.locator('#units-h ~ dl')).toContainText('已疏通并改接污水管');
  await page.getByRole('button', { name: '退出' }).click();

  // Now the lead gives the one answer the caller sees.
  await login(page, hl.url, lead);
  await page.goto(`${hl.url}/console/#/ticket/${no}`);
  await expect(page.locator('#act-reply')).toContainText('已收齐协办意见');
  await page.locator('#act-reply').getByLabel('答复内容').fill('经街道、区生态环境局和水务集团联合处理：餐馆已加装消声器，污水管已接入市政管网。');
  await page.locator('#act-reply').getByRole('button', { name: '提交答复' }).click();
  await expect(page.locator('h1 .badge')).toHaveText('已答复');
  await expect(page.locator('.timeline')).toContainText('渝中区生态环境局联络员');
  await shot(page, 'lead-replied');
  const after = (await hl.api('GET', `/api/v1/tickets/${no}`, null, office)).body;
  expect(after.status).toBe('replied');
  expect(after.cooperating[0].opinion).toContain('消声器');
  expect(after.concrete_handler.report.text).toContain('市政管网');
  expect(errors).toEqual([]);
});

test('the inbox pages by next_cursor, and shows overdue and 督办 when the test clock passes the last day (M-SV-1)', async ({ page }) => {
  const shot = shots('unit-inbox-paging');
  const errors = watchErrors(page);
  const liaison = hl.addUser('jfb.liaison5', '500103003', ['liaison'], '解放碑联络员戊');
  await login(page, hl.url, liaison);
  await page.goto(`${hl.url}/console/#/inbox`);
  await expect(page.locator('.live')).toHaveText('实时');
  let no;
  for (let i = 1; i <= 21; i += 1) no = await register(`解放碑商圈第${i}处夜间噪声扰民`);
  const street = hl.token('500103003');
  const all = (await hl.api('GET', '/api/v1/units/500103003/inbox?limit=500', null, street)).body;
  expect(all.counts.open).toBeGreaterThan(21);
  await expect(page.locator('button.stat[data-filter="all"] b')).toHaveText(String(all.counts.open));
  await expect(page.locator('tbody tr')).toHaveCount(20); // one page
  await page.getByRole('button', { name: '加载更多' }).click();
  await expect(page.locator('tbody tr')).toHaveCount(all.counts.open);
  await expect(page.getByRole('button', { name: '加载更多' })).toBeHidden();

  // Past the last working day: the supervision timers fire (pushed) and the
  // lines say so, without a reload.
  const last = all.tickets.find((t) => t.status === 'dispatched').deadline_date;
  const next = new Date(`${last}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1); // the morning after: 督办 has fired, 通报 (72 h later) not yet
  const moved = await hl.api('POST', '/api/v1/test/clock', { now: `${next.toISOString().slice(0, 10)}T10:00:00+08:00` }, office);
  expect(moved.status).toBe(200);
  expect(moved.body.fired_timers).toBeGreaterThan(0);
  const row = page.locator(`tr[data-ticket="${no}"]`); // on the second page, still shown
  await expect(row).toContainText('已超期');
  await expect(row).toContainText('督办');
  const overdue = (await hl.api('GET', '/api/v1/units/500103003/inbox?status=overdue&limit=500', null, street)).body;
  await expect(page.locator('button.stat[data-filter="overdue"] b')).toHaveText(String(overdue.counts.overdue));
  await page.locator('button.stat[data-filter="overdue"]').click();
  await expect(page.locator('tbody tr')).toHaveCount(Math.min(20, overdue.counts.overdue));
  await shot(page, 'inbox-overdue');
  expect(errors).toEqual([]);
});
