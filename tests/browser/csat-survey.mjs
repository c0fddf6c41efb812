// End-to-end test of the CSAT survey page, through the real HTTP API of a running local server:
// an admin resolves a Client API conversation, the contact answers the survey in headless
// Chromium at phone size, and the Application API shows the recorded answer.
//
// Environment: BASE_URL (the server), PLATFORM_APP_TOKEN (its platform app's token),
// CHROMIUM (default /usr/bin/chromium), UPDATE_SCREENSHOTS=1 to refresh docs/csat-survey*.png.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = requiredEnv('BASE_URL');
const PLATFORM_TOKEN = requiredEnv('PLATFORM_APP_TOKEN');
const DOCS_DIR = new URL('../../docs/', import.meta.url).pathname;
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const RATING = 4;
const COMMENT = 'Quick and friendly, thank you!';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (infra/browser-test.sh sets it)`);
  return value;
}

async function api(method, path, { token, body, status = 200 } = {}) {
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

// An account with an administrator, an API inbox with CSAT on, and a contact's conversation that
// the administrator resolves: resolving it is what sends the survey.
async function resolvedConversation() {
  const account = await api('POST', '/platform/api/v1/accounts', {
    token: PLATFORM_TOKEN, body: { name: 'Acme Support' },
  });
  const admin = await api('POST', '/platform/api/v1/users', {
    token: PLATFORM_TOKEN,
    body: { name: 'Ada Admin', email: 'ada@example.com', password: 'Password1!' },
  });
  await api('POST', `/platform/api/v1/accounts/${account.id}/account_users`, {
    token: PLATFORM_TOKEN, body: { user_id: admin.id, role: 'administrator' },
  });

  const accountPath = `/api/v1/accounts/${account.id}`;
  const inbox = await api('POST', `${accountPath}/inboxes`, {
    token: admin.access_token, body: { name: 'Support', channel: { type: 'api' } },
  });
  const updatedInbox = await api('PATCH', `${accountPath}/inboxes/${inbox.id}`, {
    token: admin.access_token, body: { csat_survey_enabled: true },
  });
  assert.equal(updatedInbox.csat_survey_enabled, true, 'the inbox should have CSAT enabled');
  assert.ok(inbox.inbox_identifier, 'the API inbox should have an inbox_identifier');

  const inboxPath = `/public/api/v1/inboxes/${inbox.inbox_identifier}`;
  const contact = await api('POST', `${inboxPath}/contacts`, { body: { name: 'Grace' } });
  const conversation = await api('POST', `${inboxPath}/contacts/${contact.source_id}/conversations`, {
    body: {},
  });
  assert.match(conversation.uuid ?? '', /^[0-9a-f-]{36}$/, 'the conversation should have a uuid');
  await api('POST', `${inboxPath}/contacts/${contact.source_id}/conversations/${conversation.id}/messages`, {
    body: { content: 'My order is late' },
  });

  const resolved = await api('POST', `${accountPath}/conversations/${conversation.id}/toggle_status`, {
    token: admin.access_token, body: { status: 'resolved' },
  });
  assert.equal(resolved.payload.current_status, 'resolved');
  const messagesPath = `${accountPath}/conversations/${conversation.id}/messages`;
  assert.ok(
    await csatMessage(messagesPath, admin.access_token),
    'resolving the conversation should send an input_csat message',
  );
  return { uuid: conversation.uuid, messagesPath, token: admin.access_token };
}

async function csatMessage(messagesPath, token) {
  const { payload } = await api('GET', messagesPath, { token });
  return payload.find((message) => message.content_type === 'input_csat');
}

const surveyUrl = (uuid) => `${BASE_URL}/survey/responses/${uuid}`;

const results = { passed: 0, skipped: 0 };
let failed = null;

// Runs the checks in order; each builds on the one before, so after a failure the rest are skipped.
async function check(name, run) {
  if (failed) {
    results.skipped += 1;
    console.log(`  skip  ${name}`);
    return;
  }
  try {
    await run();
    results.passed += 1;
    console.log(`  ok    ${name}`);
  } catch (error) {
    failed = { name, error };
    console.log(`  FAIL  ${name}\n${String(error.stack ?? error).replace(/^/gm, '        ')}`);
  }
}

const screenshotDir = await mkdtemp(join(tmpdir(), 'csat-survey-'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Without the background-networking flags Chromium keeps trying to reach Google's services,
  // which misbehaves on a machine with no route out.
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
page.setDefaultTimeout(10_000);
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));

let conversation;
await check('an admin resolves a Client API conversation and the survey message is sent', async () => {
  conversation = await resolvedConversation();
});

await check("the survey page shows the account's branding and a 1–5 rating", async () => {
  const response = await page.goto(surveyUrl(conversation.uuid));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
  await page.getByText('Acme Support', { exact: true }).waitFor();
  await page.getByText('Support', { exact: true }).waitFor();
  await page.getByRole('group', { name: 'Please rate the conversation' }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 5);
});

await check('the rating is a keyboard-operable radio group', async () => {
  const good = page.getByRole('radio', { name: 'Good (4 of 5)' });
  await good.click();
  assert.ok(await good.isChecked(), 'clicking rating 4 should check it');
  await page.keyboard.press('ArrowRight');
  assert.ok(await page.getByRole('radio', { name: 'Excellent (5 of 5)' }).isChecked(), 'ArrowRight should pick 5');
  await page.keyboard.press('ArrowLeft');
  assert.ok(await good.isChecked(), 'ArrowLeft should go back to 4');
});

await check('a rating of 4 with a comment is submitted and thanked for', async () => {
  await page.getByLabel('Tell us more').fill(COMMENT);
  await page.screenshot({ path: join(screenshotDir, 'csat-survey.png') });
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'Thank you for your feedback!' }).waitFor();
  await page.getByText(`Good (${RATING} of 5) — “${COMMENT}”`).waitFor();
  assert.equal(
    await page.getByRole('status').textContent(),
    'Thank you! Your rating has been recorded.',
  );
  await page.screenshot({ path: join(screenshotDir, 'csat-survey-thanks.png') });
});

await check('the Application API shows the recorded rating and comment', async () => {
  const message = await csatMessage(conversation.messagesPath, conversation.token);
  const response = message.content_attributes?.submitted_values?.csat_survey_response;
  assert.equal(response?.rating, RATING, `recorded: ${JSON.stringify(message.content_attributes)}`);
  assert.equal(response.feedback_message, COMMENT);
});

await check('reopening the survey shows the answer pre-selected and editable', async () => {
  await page.goto(surveyUrl(conversation.uuid));
  assert.ok(await page.getByRole('radio', { name: `Good (${RATING} of 5)` }).isChecked());
  assert.equal(await page.getByLabel('Tell us more').inputValue(), COMMENT);
  await page.getByRole('button', { name: 'Update my answer' }).waitFor();
});

await check('an unknown survey shows the not-found message', async () => {
  const response = await page.goto(surveyUrl(UNKNOWN_UUID));
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { name: "We couldn't find this survey" }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0, 'an unknown survey offers no rating');
});

await check('the page raised no script errors', async () => {
  assert.deepEqual(pageErrors, []);
});

if (failed && page.url() !== 'about:blank') {
  const path = join(screenshotDir, 'failure.png');
  await page.screenshot({ path, fullPage: true }).then(
    () => console.log(`  failure screenshot: ${path} (page ${page.url()})`),
    (error) => console.log(`  no failure screenshot: ${error.message}`),
  );
}
await browser.close();

if (!failed && process.env.UPDATE_SCREENSHOTS === '1') {
  for (const name of ['csat-survey.png', 'csat-survey-thanks.png']) {
    await copyFile(join(screenshotDir, name), join(DOCS_DIR, name));
    console.log(`  updated docs/${name}`);
  }
}
if (!failed) await rm(screenshotDir, { recursive: true });

console.log(`browser-test: ${results.passed} passed, ${failed ? 1 : 0} failed, ${results.skipped} skipped`);
if (failed) {
  console.log(`browser-test: failed at "${failed.name}": ${failed.error.message.split('\n')[0]}`);
  process.exitCode = 1;
}
