// End-to-end in Chromium at 1024×768 (touch): DICOMweb calls made with an administrator's own
// credentials (HTTP Basic) appear on the audit trail page, reached from the home page; the
// filter keeps one kind of event; the page reads in French; another clinic's study is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, hydrated, repo, ADMIN_PASSWORD, signIn } from './support.mjs';

let server;
let browser;
const shots = join(repo, 'target', 'screenshots');

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const basic = 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64');
const dicomweb = (path) => fetch(`${server.base}/dicomweb${path}`, { headers: { Authorization: basic } });

async function auditPage(locale) {
  const { ctx, page } = await signIn(browser, server.base, 'admin', ADMIN_PASSWORD, locale);
  await page.tap('#audit-link');
  await page.waitForSelector('#audit');
  await hydrated(page);
  return { ctx, page };
}

test('DICOMweb access is on the audit trail page, filtered by action, in both languages', async () => {
  assert.equal((await dicomweb('/studies?PatientName=TREMBLAY*')).status, 200);
  assert.equal((await dicomweb('/studies?PatientName=TREMBLAY*')).status, 200, 'the same search again');
  assert.equal((await dicomweb('/studies/1.2.3.999/metadata')).status, 404);

  const { ctx, page } = await auditPage('en-CA');
  const searches = page.locator('#audit tr[data-action=dicomweb_query]');
  assert.equal(await searches.count(), 1, 'the same search twice within the window is one row');
  const search = await searches.first().innerText();
  assert.match(search, /user:admin/);
  assert.match(search, /DICOMweb search/);
  assert.match(search, /PatientName=TREMBLAY\*/);
  assert.match(search, /OK/);
  const read = await page.locator('#audit tr[data-action=dicomweb_retrieve]').first().innerText();
  assert.match(read, /1\.2\.3\.999/);
  assert.match(read, /Refused/);

  await page.selectOption('#audit-action', 'dicomweb_retrieve');
  await page.waitForFunction(() => document.querySelectorAll('#audit tr[data-action=dicomweb_query]').length === 0);
  assert.ok(await page.locator('#audit tr[data-action=dicomweb_retrieve]').count() >= 1);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 1024, `no sideways scrolling at 1024 px (${width})`);
  await page.screenshot({ path: join(shots, 'audit-en.png'), fullPage: true });
  await ctx.close();

  const fr = await auditPage('fr-CA');
  await fr.page.waitForSelector('h1:has-text("Journal d\'audit")');
  const row = await fr.page.locator('#audit tr[data-action=dicomweb_retrieve]').first().innerText();
  assert.match(row, /Consultation DICOMweb/);
  assert.match(row, /Refusé/);
  await fr.page.screenshot({ path: join(shots, 'audit-fr.png'), fullPage: true });
  await fr.ctx.close();
});
