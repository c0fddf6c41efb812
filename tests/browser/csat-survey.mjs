// End-to-end test of the CSAT survey page, through the real HTTP API of a running local server:
// an admin resolves a Client API conversation, the contact answers the survey in headless
// Chromium at phone size, and the Application API shows the recorded answer.
//
// Environment: BASE_URL (the server), PLATFORM_APP_TOKEN (its platform app's token),
// CHROMIUM (default /usr/bin/chromium), UPDATE_SCREENSHOTS=1 to refresh docs/csat-survey*.png.
import assert from 'node:assert/strict';
import { accountWithAdmin, api, BASE_URL, BrowserTest } from './harness.mjs';

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const RATING = 4;
const COMMENT = 'Quick and friendly, thank you!';

// An account with an administrator, an API inbox with CSAT on, and a contact's conversation that
// the administrator resolves: resolving it is what sends the survey.
async function resolvedConversation() {
  const { account, admin } = await accountWithAdmin('Acme Support', 'Ada Admin', 'ada@example.com');

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

const test = await BrowserTest.start('csat-survey', { width: 390, height: 844 });
const { page } = test;

let conversation;
await test.check('an admin resolves a Client API conversation and the survey message is sent', async () => {
  conversation = await resolvedConversation();
});

await test.check("the survey page shows the account's branding and a 1–5 rating", async () => {
  const response = await page.goto(surveyUrl(conversation.uuid));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
  await page.getByText('Acme Support', { exact: true }).waitFor();
  await page.getByText('Support', { exact: true }).waitFor();
  await page.getByRole('group', { name: 'Please rate the conversation' }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 5);
});

await test.check('the rating is a keyboard-operable radio group', async () => {
  const good = page.getByRole('radio', { name: 'Good (4 of 5)' });
  await good.click();
  assert.ok(await good.isChecked(), 'clicking rating 4 should check it');
  await page.keyboard.press('ArrowRight');
  assert.ok(await page.getByRole('radio', { name: 'Excellent (5 of 5)' }).isChecked(), 'ArrowRight should pick 5');
  await page.keyboard.press('ArrowLeft');
  assert.ok(await good.isChecked(), 'ArrowLeft should go back to 4');
});

await test.check('a rating of 4 with a comment is submitted and thanked for', async () => {
  await page.getByLabel('Tell us more').fill(COMMENT);
  await test.screenshot('csat-survey.png');
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'Thank you for your feedback!' }).waitFor();
  await page.getByText(`Good (${RATING} of 5) — “${COMMENT}”`).waitFor();
  assert.equal(
    await page.getByRole('status').textContent(),
    'Thank you! Your rating has been recorded.',
  );
  await test.screenshot('csat-survey-thanks.png');
});

await test.check('the Application API shows the recorded rating and comment', async () => {
  const message = await csatMessage(conversation.messagesPath, conversation.token);
  const response = message.content_attributes?.submitted_values?.csat_survey_response;
  assert.equal(response?.rating, RATING, `recorded: ${JSON.stringify(message.content_attributes)}`);
  assert.equal(response.feedback_message, COMMENT);
});

await test.check('reopening the survey shows the answer pre-selected and editable', async () => {
  await page.goto(surveyUrl(conversation.uuid));
  assert.ok(await page.getByRole('radio', { name: `Good (${RATING} of 5)` }).isChecked());
  assert.equal(await page.getByLabel('Tell us more').inputValue(), COMMENT);
  await page.getByRole('button', { name: 'Update my answer' }).waitFor();
});

await test.check('an unknown survey shows the not-found message', async () => {
  const response = await page.goto(surveyUrl(UNKNOWN_UUID));
  assert.equal(response.status(), 200);
  await page.getByRole('heading', { name: "We couldn't find this survey" }).waitFor();
  assert.equal(await page.getByRole('radio').count(), 0, 'an unknown survey offers no rating');
});

await test.check('the page raised no script errors', async () => {
  assert.deepEqual(test.pageErrors, []);
});

await test.finish();
