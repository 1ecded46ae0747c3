// Browser tests of the console (issue 15): Debian's chromium, headless,
// one test at a time (each starts its own hotlined; the machine has 2 cores).
import { defineConfig } from '@playwright/test';

const root = process.getuid && process.getuid() === 0;
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs/,
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: process.env.HOTLINE_ARTIFACTS ? `${process.env.HOTLINE_ARTIFACTS}/playwright` : '../../build/browser-artifacts/playwright',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      // Chinese interface (date pickers read 2026/12/23); CI runs as root,
      // where Chromium's sandbox cannot start.
      args: ['--lang=zh-CN', ...(root ? ['--no-sandbox'] : [])],
    },
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
