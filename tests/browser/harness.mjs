// What the browser tests run by infra/browser-test.sh share: their environment, JSON calls to
// the running server's API, headless Chromium, and checks that run in order.
//
// Environment: BASE_URL (the server), PLATFORM_APP_TOKEN (its platform app's token),
// CHROMIUM (default /usr/bin/chromium), UPDATE_SCREENSHOTS=1 to refresh the docs' screenshots.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (infra/browser-test.sh sets it)`);
  return value;
}

export const BASE_URL = requiredEnv('BASE_URL');
export const PLATFORM_TOKEN = requiredEnv('PLATFORM_APP_TOKEN');
const DOCS_DIR = new URL('../../docs/', import.meta.url).pathname;

export async function api(method, path, { token, body, status = 200 } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.api_access_token = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(BASE_URL + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, status, `${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

// An account with an administrator (the e-mail must be new on the server); answers both.
export async function accountWithAdmin(accountName, adminName, email) {
  const account = await api('POST', '/platform/api/v1/accounts', {
    token: PLATFORM_TOKEN, body: { name: accountName },
  });
  const admin = await api('POST', '/platform/api/v1/users', {
    token: PLATFORM_TOKEN,
    body: { name: adminName, email, password: 'Password1!' },
  });
  await api('POST', `/platform/api/v1/accounts/${account.id}/account_users`, {
    token: PLATFORM_TOKEN, body: { user_id: admin.id, role: 'administrator' },
  });
  return { account, admin };
}

// One test's browser page, its checks (run in order: each builds on the one before, so after
// a failure the rest are skipped), and its screenshots (named after docs/ files).
export class BrowserTest {
  static async start(name, viewport) {
    const test = new BrowserTest(name);
    test.screenshotDir = await mkdtemp(join(tmpdir(), `${name}-`));
    test.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      // Without the background-networking flags Chromium keeps trying to reach Google's
      // services, which misbehaves on a machine with no route out.
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    test.page = await test.browser.newPage({ viewport });
    test.page.setDefaultTimeout(10_000);
    test.page.on('pageerror', (error) => test.pageErrors.push(error.message));
    console.log(`${name}:`);
    return test;
  }

  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.skipped = 0;
    this.failed = null;
    this.pageErrors = [];
    this.screenshots = [];
  }

  async check(name, run) {
    if (this.failed) {
      this.skipped += 1;
      console.log(`  skip  ${name}`);
      return;
    }
    try {
      await run();
      this.passed += 1;
      console.log(`  ok    ${name}`);
    } catch (error) {
      this.failed = { name, error };
      console.log(`  FAIL  ${name}\n${String(error.stack ?? error).replace(/^/gm, '        ')}`);
    }
  }

  // Takes a screenshot that UPDATE_SCREENSHOTS=1 copies to docs/<docsPath>.
  async screenshot(docsPath, options = {}) {
    await this.page.screenshot({ path: join(this.screenshotDir, docsPath.replaceAll('/', '_')), ...options });
    this.screenshots.push(docsPath);
  }

  // Closes the browser, refreshes the screenshots when asked and prints the closing line.
  async finish() {
    if (this.failed && this.page.url() !== 'about:blank') {
      const path = join(this.screenshotDir, 'failure.png');
      await this.page.screenshot({ path, fullPage: true }).then(
        () => console.log(`  failure screenshot: ${path} (page ${this.page.url()})`),
        (error) => console.log(`  no failure screenshot: ${error.message}`),
      );
    }
    await this.browser.close();
    if (!this.failed && process.env.UPDATE_SCREENSHOTS === '1') {
      for (const docsPath of this.screenshots) {
        await mkdir(dirname(join(DOCS_DIR, docsPath)), { recursive: true });
        await copyFile(join(this.screenshotDir, docsPath.replaceAll('/', '_')), join(DOCS_DIR, docsPath));
        console.log(`  updated docs/${docsPath}`);
      }
    }
    if (!this.failed) await rm(this.screenshotDir, { recursive: true });
    console.log(`browser-test: ${this.passed} passed, ${this.failed ? 1 : 0} failed, ${this.skipped} skipped`);
    if (this.failed) {
      console.log(`browser-test: failed at "${this.failed.name}": ${this.failed.error.message.split('\n')[0]}`);
      process.exitCode = 1;
    }
  }
}
