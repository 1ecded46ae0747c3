// The timer peer of bench/run: --count BullMQ delayed jobs all due at the
// same whole second, processed by one worker; prints how late each job
// started after its due time (name=value lines, bullmq_timer_p99_late_ms=…).
//
// node delayed.js --redis-port P [--redis-host H] [--count 10000]
//                 [--due-in 15] [--concurrency 100] [--timeout 600]

'use strict';
const { Queue, Worker } = require('bullmq');
const { parse } = require('./args');

function args() {
  return parse('delayed.js', { redisHost: '127.0.0.1', redisPort: 6379, count: 10000, dueIn: 15,
                               concurrency: 100, timeout: 600, prefix: 'bulltimers' }).o;
}

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

async function main() {
  const o = args();
  const connection = { host: o.redisHost, port: o.redisPort, maxRetriesPerRequest: null };
  const queue = new Queue('deadlines', { connection, prefix: o.prefix });
  const due = Math.ceil((Date.now() + o.dueIn * 1000) / 1000) * 1000;
  const late = [];
  let resolveAll;
  const all = new Promise((r) => { resolveAll = r; });
  const worker = new Worker('deadlines', async (job) => {
    late.push(Date.now() - job.data.due);
    if (late.length >= o.count) resolveAll();
  }, { connection, prefix: o.prefix, concurrency: o.concurrency });
  await worker.waitUntilReady();
  const t0 = Date.now();
  for (let i = 0; i < o.count; i += 1000) {
    const now = Date.now();
    const jobs = [];
    for (let k = i; k < Math.min(o.count, i + 1000); k++)
      jobs.push({ name: 'supervision', data: { ticket: k, due }, opts: { delay: due - now } });
    await queue.addBulk(jobs);
  }
  const loaded = Date.now();
  if (loaded >= due) console.error('delayed.js: WARNING: loading ended after the due time');
  const timer = setTimeout(resolveAll, due - Date.now() + o.timeout * 1000);
  await all;
  clearTimeout(timer);
  const unfired = o.count - late.length;
  for (let k = 0; k < unfired; k++) late.push(o.timeout * 1000);
  late.sort((a, b) => a - b);
  console.log(`bullmq_timer_jobs=${o.count}`);
  console.log(`bullmq_timer_load_seconds=${((loaded - t0) / 1000).toFixed(1)}`);
  console.log(`bullmq_timer_unfired=${unfired}`);
  console.log(`bullmq_timer_p50_late_ms=${pct(late, 0.5)}`);
  console.log(`bullmq_timer_p99_late_ms=${pct(late, 0.99)}`);
  console.log(`bullmq_timer_max_late_ms=${pct(late, 1)}`);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
