// A real hotlined for the browser tests (issue 15): its own data dir (its
// embedded Redis and PostgreSQL), the Chongqing configuration, the built
// pages, the test clock; accounts made with the real `hotline user add`.
// setpriv --pdeathsig makes hotlined die with this process, and hotlined's
// own servers die with it, so a killed run leaves nothing behind.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE = resolve(here, '../..');
export const BUILD = process.env.HOTLINE_BUILD_DIR || join(SOURCE, 'build');
export const ARTIFACTS = process.env.HOTLINE_ARTIFACTS || join(BUILD, 'browser-artifacts');

/** A working Wednesday morning in Chongqing, unless a test needs another. */
export const DEFAULT_START = '2026-12-02T09:30:00+08:00';

export async function startHotline({ clockStart = DEFAULT_START } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-browser-'));
  const args = [
    '--pdeathsig', 'KILL', '--', join(BUILD, 'bin/hotlined'),
    '--data-dir', dir, '--listen', '127.0.0.1:0', '--config', join(SOURCE, 'config/chongqing'),
    '--web-dir', join(BUILD, 'web'), '--log-level', 'warn',
    '--test-clock', '--test-clock-start', clockStart,
    '--anonymous-rate', '100000', '--anonymous-intakes-per-minute', '1000000',
  ];
  const proc = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`hotlined did not start: ${seen}`)), 90_000);
    proc.stdout.on('data', (b) => {
      seen += b;
      const m = /serving (http:\/\/[^ ]+\/)/.exec(seen);
      if (m) { clearTimeout(timer); ok(m[1].replace(/\/$/, '')); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`hotlined exited ${code}: ${seen}`)); });
  });
  proc.stdout.resume();
  const cli = (argv, input) => execFileSync(join(BUILD, 'bin/hotline'), argv, { input: input ?? '', encoding: 'utf8' });
  return {
    url,
    dir,
    /** `hotline user add` with a password on stdin (unit: 'office' or a unit id). */
    addUser(username, unit, roles, displayName, password = `${username} 的长口令 2026`) {
      cli(['user', 'add', '--data-dir', dir, '--config', join(SOURCE, 'config/chongqing'), '--username', username, '--unit', unit,
        ...roles.flatMap((r) => ['--role', r]), '--display-name', displayName], `${password}\n`);
      return { username, password };
    },
    /** An automation token, for setting up data through the API. */
    token(unit = 'office') {
      return cli(['token', '--data-dir', dir, ...(unit === 'office' ? ['--office'] : ['--unit', unit])]).trim();
    },
    /** Calls the API directly (setup and checks, not what is under test). */
    async api(method, path, body, token) {
      const res = await fetch(url + path, {
        method,
        headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where a test's screenshots go: build/browser-artifacts/<test>/NN-name.png */
export function shots(testName) {
  const folder = join(ARTIFACTS, testName);
  mkdirSync(folder, { recursive: true });
  let n = 0;
  return async (page, name) => {
    n += 1;
    await page.screenshot({ path: join(folder, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}

/** Signs in through the console's own login form. */
export async function login(page, base, { username, password }) {
  await page.goto(`${base}/console/`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}
