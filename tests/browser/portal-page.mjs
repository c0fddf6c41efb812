// End-to-end test of the public help center, through the real HTTP API of a running local
// server: an admin writes a portal with a category and articles, and a visitor reads the
// portal's home and an article in headless Chromium at desktop size.
//
// UPDATE_SCREENSHOTS=1 refreshes docs/images/portal-page.png and docs/images/portal-article.png.
import assert from 'node:assert/strict';
import { accountWithAdmin, api, BASE_URL, BrowserTest } from './harness.mjs';

const PORTAL_SLUG = 'acme-help';
const PUBLISHED = 'Install the chat widget';
const DRAFT = 'Unreleased feature';

// A portal in the admin's account: a colour, a header, two categories and articles, one of
// them a draft and one with markup in its body that must stay text.
async function helpCenter() {
  const { account, admin } = await accountWithAdmin('Acme', 'Hana Admin', 'hana@example.com');
  const token = admin.access_token;
  const portalPath = `/api/v1/accounts/${account.id}/portals/${PORTAL_SLUG}`;
  await api('POST', `/api/v1/accounts/${account.id}/portals`, {
    token,
    body: {
      name: 'Acme Help Center',
      slug: PORTAL_SLUG,
      color: '#4c1d95',
      header_text: 'Hi! How can we help?',
      homepage_link: 'https://acme.example.com',
      config: { allowed_locales: ['en'], default_locale: 'en' },
    },
  });
  const category = async (name, slug, description, position) => (await api('POST', `${portalPath}/categories`, {
    token, body: { name, slug, description, position },
  })).payload;
  const gettingStarted = await category('Getting started', 'getting-started', 'Set up Acme in minutes', 1);
  const billing = await category('Billing', 'billing', 'Plans, invoices and payments', 2);
  const article = async (title, slug, categoryId, status, content) => (await api('POST', `${portalPath}/articles`, {
    token,
    body: {
      title, slug, content, status, category_id: categoryId, author_id: admin.id,
      description: `Everything about ${title.toLowerCase()}`,
    },
  })).payload;
  await article(PUBLISHED, 'install-the-chat-widget', gettingStarted.id, 'published', [
    'Add the widget to your site in three steps.',
    '## Before you start',
    'You need an **administrator** account.',
    '1. Open *Settings*\n2. Copy the snippet\n3. Paste it before `</body>`',
    'Markup in an article stays text: <script>alert("owned")</script>',
    'Questions? Read the [setup guide](https://acme.example.com/guide).',
  ].join('\n\n'));
  await article('Invite your team', 'invite-your-team', gettingStarted.id, 'published', 'Add agents from Settings.');
  await article('Change your plan', 'change-your-plan', billing.id, 'published', 'Pick a plan that fits.');
  await article('Download invoices', 'download-invoices', billing.id, 'published', 'Invoices are monthly.');
  await article(DRAFT, 'unreleased-feature', billing.id, 'draft', 'Not public yet.');
}

const test = await BrowserTest.start('portal-page', { width: 1280, height: 800 });
const { page } = test;

await test.check('an admin writes a portal with categories and articles', async () => {
  await helpCenter();
});

await test.check("the portal home shows its categories and published articles in the portal's colour", async () => {
  const response = await page.goto(`${BASE_URL}/hc/${PORTAL_SLUG}/en`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
  await page.getByRole('link', { name: 'Acme Help Center' }).waitFor();
  await page.getByText('Hi! How can we help?').waitFor();
  await page.getByRole('heading', { name: 'Getting started' }).waitFor();
  await page.getByRole('heading', { name: 'Billing' }).waitFor();
  for (const title of [PUBLISHED, 'Invite your team', 'Change your plan', 'Download invoices']) {
    await page.getByRole('link', { name: title }).waitFor();
  }
  assert.equal(await page.getByText(DRAFT).count(), 0, 'a draft is not listed');
  const header = await page.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
  assert.equal(header, 'rgb(76, 29, 149)');
  await test.screenshot('images/portal-page.png');
});

await test.check('an article opens with its formatted content and its markup shown as text', async () => {
  await page.getByRole('link', { name: PUBLISHED }).click();
  await page.waitForURL(`${BASE_URL}/hc/${PORTAL_SLUG}/articles/install-the-chat-widget`);
  await page.getByRole('heading', { level: 1, name: PUBLISHED }).waitFor();
  await page.getByRole('heading', { name: 'Before you start' }).waitFor();
  assert.equal(await page.locator('article strong').first().textContent(), 'administrator');
  assert.equal(await page.locator('article ol li').count(), 3);
  await page.getByText('Markup in an article stays text: <script>alert("owned")</script>').waitFor();
  assert.equal(
    await page.getByRole('link', { name: 'setup guide' }).getAttribute('href'),
    'https://acme.example.com/guide',
  );
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Getting started' }).waitFor();
  await test.screenshot('images/portal-article.png', { fullPage: true });
});

await test.check('the breadcrumb leads to the category page', async () => {
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Getting started' }).click();
  await page.getByRole('heading', { level: 1, name: 'Getting started' }).waitFor();
  await page.getByText('Set up Acme in minutes').first().waitFor();
  assert.equal(await page.locator('ul.list li').count(), 2);
});

await test.check('a draft is not found', async () => {
  const response = await page.goto(`${BASE_URL}/hc/${PORTAL_SLUG}/articles/unreleased-feature`);
  assert.equal(response.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
});

await test.check('the pages raised no script errors', async () => {
  assert.deepEqual(test.pageErrors, []);
});

await test.finish();
