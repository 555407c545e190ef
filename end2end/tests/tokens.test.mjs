// End-to-end in Chromium at 1024×768: an administrator issues a DICOMweb token on the Tokens
// page (validated in the browser), reads its secret once, calls /dicomweb with it, revokes it
// (a second tap confirms) and the same call is then refused; French labels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, hydrated, repo, ADMIN_PASSWORD } from './support.mjs';

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

const studies = (secret) => fetch(`${server.base}/dicomweb/studies`, { headers: { Authorization: `Bearer ${secret}` } });

test('a token is issued, used and revoked', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale: 'en-CA' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(`${server.base}/login`);
  await hydrated(page);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('#signin');
  await page.waitForURL(`${server.base}/`);
  await hydrated(page);
  await page.click('nav a[href="/tokens"]');
  await page.waitForSelector('#token-form');
  await hydrated(page);

  // Validated in the browser: a name is needed.
  await page.tap('#token-issue');
  await page.waitForSelector('#token-form .error');
  await page.fill('#token-name', 'OHIF viewer');
  await page.fill('#token-days', '30');
  await page.tap('#token-issue');
  await page.waitForSelector('#token-secret');
  const secret = await page.inputValue('#token-value');
  assert.match(secret, /^pst_\d+_[0-9a-f]{64}$/);
  await page.waitForSelector('tr[data-token] >> text=OHIF viewer');
  await page.screenshot({ path: join(shots, 'tokens-issued.png'), fullPage: true });

  const ok = await studies(secret);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'application/dicom+json');

  // Revoke: the first tap arms, the second confirms.
  await page.tap('button[data-revoke]');
  await page.waitForSelector('button[data-revoke] >> text=Confirm');
  await page.tap('button[data-revoke]');
  await page.waitForSelector('tr[data-token] .bad');
  assert.equal((await studies(secret)).status, 401, 'a revoked token is refused');

  await page.click('button.lang[lang=fr]');
  await page.waitForSelector('h1 >> text=Jetons DICOMweb');
  assert.ok(await page.isVisible('tr[data-token] >> text=révoqué'));
  await page.screenshot({ path: join(shots, 'tokens-fr.png'), fullPage: true });
  // Every nav link is on screen (the nav wraps rather than hiding links).
  const hidden = await page.evaluate(() => [...document.querySelectorAll('nav.mainnav a')]
    .filter((a) => { const r = a.getBoundingClientRect(); return r.right > window.innerWidth || r.width === 0; })
    .map((a) => a.textContent));
  assert.deepEqual(hidden, [], 'no nav link is cut off at 1024 px in French');
  await ctx.close();
});
