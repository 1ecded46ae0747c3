// The peer of bench/run: the 12345 ticket lifecycle built on BullMQ, on the
// same Redis as hotlined. Each step is a job on the queue of whoever acts
// next, added by the worker of the step before:
//
//   intake (office registers, routes to the unit given by the demand's place)
//     → unit: accept → unit: reply → office: callback → closed
//
// Jobs are kept when completed (BullMQ's default): a completed job is the
// peer's record of that step, as an event is ours. A closed-loop producer
// keeps --connections lifecycles in flight per process, like the C++ load
// generator's connections; --procs processes share the machine's cores,
// each with its own queues (shards).
// Prints name=value lines (lifecycles_per_s=…).
//
// node lifecycle.js --redis-port P [--redis-host H] [--connections 16]
//                   [--duration 10] [--warmup 2] [--concurrency 16] [--procs 2]

'use strict';
const { fork } = require('child_process');
const { Queue, Worker } = require('bullmq');
const { parse } = require('./args');

function args() {
  const { o, values } = parse('lifecycle.js', {
    redisHost: '127.0.0.1', redisPort: 6379, connections: 16, duration: 10, warmup: 2,
    concurrency: 16, procs: 2, prefix: 'bullbench' }, { child: { type: 'string' } });
  o.child = values.child !== undefined;
  o.id = o.child ? Number(values.child) : 0;
  return o;
}

// A demand like the C++ generator's: a place in Chongqing, a category, a caller.
const districts = ['500103', '500104', '500105', '500106', '500107', '500108', '500112', '500113'];
const categories = ['env.noise', 'env.cooking-fumes', 'urban.road-damage', 'urban.street-lights',
                    'housing.property-management', 'transport.bus'];
function demand(n, id) {
  const d = districts[n % districts.length];
  return {
    request_id: `bull-${id}-${n}`, channel: 'phone', kind: 'complaint',
    category: categories[n % categories.length],
    caller: { name: '张三', phone: `139${String(n).padStart(8, '0')}` },
    content: '反映附近工地夜间施工噪音扰民问题，已持续一周，请相关部门尽快核实处理。',
    location: { address: `重庆市${d}某街道人民路${n % 400}号` },
    unit: `${d}${String(1 + (n % 9)).padStart(3, '0')}`,
  };
}

async function child(o) {
  const connection = { host: o.redisHost, port: o.redisPort, maxRetriesPerRequest: null };
  // Each process its own queues: a lifecycle's jobs stay in the process
  // that waits for it (the processes are shards, as nodes would be).
  const prefix = `${o.prefix}${o.id}`;
  const q = (name) => new Queue(name, { connection, prefix });
  const unitQ = q('unit');
  const officeQ = q('office');
  const intakeQ = q('intake');
  const waiting = new Map(); // ticket → resolve
  const wopts = { connection, prefix, concurrency: o.concurrency };
  let seq = 0;
  const workers = [
    new Worker('intake', async (job) => {
      // The office registers the demand, numbers it and dispatches it.
      const no = `${o.id}-${++seq}`;
      const t = { no, unit: job.data.unit, status: 'dispatched', demand: job.data,
                  dispatched_at: Date.now() };
      await unitQ.add('accept', { ticket: t, lifecycle: job.data.lifecycle });
      return { ticket_no: no, unit: t.unit };
    }, wopts),
    new Worker('unit', async (job) => {
      const t = job.data.ticket;
      if (job.name === 'accept') {
        t.status = 'accepted'; t.accepted_at = Date.now();
        await unitQ.add('reply', { ticket: t, lifecycle: job.data.lifecycle });
      } else {
        t.status = 'replied';
        t.answer = { text: '已到现场核实，责令相关责任方立即整改，并将持续跟踪整改情况。', at: Date.now() };
        await officeQ.add('callback', { ticket: t, lifecycle: job.data.lifecycle });
      }
      return { status: t.status };
    }, wopts),
    new Worker('office', async (job) => {
      const t = job.data.ticket;
      t.status = 'closed'; t.callback = { satisfaction: 'satisfied', resolved: true, at: Date.now() };
      return { status: 'closed' };
    }, wopts),
  ];
  workers[2].on('completed', (job) => {
    const r = waiting.get(job.data.lifecycle);
    if (r) { waiting.delete(job.data.lifecycle); r(); }
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  process.send({ ready: true });
  await new Promise((r) => process.once('message', r)); // go
  const t0 = Date.now();
  const from = t0 + o.warmup * 1000, to = from + o.duration * 1000;
  let closed = 0, n = 0;
  async function loop() {
    while (Date.now() < to) {
      const lifecycle = `${o.id}:${n}`;
      const done = new Promise((r) => waiting.set(lifecycle, r));
      await intakeQ.add('intake', { ...demand(n++, o.id), lifecycle });
      await done;
      const now = Date.now();
      if (now >= from && now <= to) closed++;
    }
  }
  await Promise.all(Array.from({ length: o.connections }, loop));
  process.send({ closed });
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all([unitQ, officeQ, intakeQ].map((x) => x.close()));
  process.exit(0);
}

async function parent(o) {
  const kids = [];
  for (let i = 0; i < o.procs; i++) {
    const share = Math.floor(o.connections / o.procs) + (i < o.connections % o.procs ? 1 : 0);
    const k = fork(__filename,
                   [...process.argv.slice(2), '--child', String(i + 1), '--connections', String(share)]);
    kids.push(k);
  }
  await Promise.all(kids.map((k) => new Promise((r) => k.once('message', r))));
  const results = kids.map((k) => new Promise((r) => k.once('message', r)));
  kids.forEach((k) => k.send('go'));
  const closed = (await Promise.all(results)).reduce((s, m) => s + m.closed, 0);
  console.log(`bullmq_procs=${o.procs}`);
  console.log(`bullmq_connections=${o.connections}`);
  console.log(`bullmq_lifecycles=${closed}`);
  console.log(`bullmq_lifecycles_per_s=${(closed / o.duration).toFixed(1)}`);
  console.log(`bullmq_jobs_per_s=${((closed * 4) / o.duration).toFixed(1)}`);
}

const o = args();
(o.child ? child(o) : parent(o)).catch((e) => { console.error(e); process.exit(1); });
