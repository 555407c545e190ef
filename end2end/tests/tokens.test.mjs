// End-to-end in Chromium at 1024×768 (touch): an administrator issues a DICOMweb token on the
// Tokens page (validated in the browser), reads and copies its secret (shown once), calls
// /dicomweb with it from Node, revokes it (confirmed in place) and the same call is refused;
// French labels, a token acting for a user, and a clinic staff member who only sees their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, hydrated, watchCsp, repo, ADMIN_PASSWORD, go } from './support.mjs';

let server;
let browser;
const shots = join(repo, 'target', 'screenshots');
const STAFF_PASSWORD = 'staff password long enough';

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
  execFileSync(server.bin, ['--data-dir', server.dataDir, 'user', 'add', '--username', 'mstaff',
    '--name', 'Marie Staff', '--role', 'clinic_staff', '--clinic', 'DEMO', '--password-stdin'],
  { input: `${STAFF_PASSWORD}\n`, env: { ...process.env, RUST_LOG: 'error' }, stdio: ['pipe', 'ignore', 'inherit'] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const upload_ = (secret) => fetch(`${server.base}/dicomweb/studies`, {
  method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/dicom' }, body: 'x',
});
const studies = (secret) => fetch(`${server.base}/dicomweb/studies`, { headers: { Authorization: `Bearer ${secret}` } });

async function signedIn(username, password, locale = 'en-CA') {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  await watchCsp(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(`${server.base}/login`);
  await hydrated(page);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#signin');
  await page.waitForURL(`${server.base}/`);
  await hydrated(page);
  await go(page, '/tokens');
  await page.waitForSelector('#token-form');
  await hydrated(page);
  return { ctx, page };
}

/** Fills and sends the form; returns the secret shown. */
async function issue(page, name, days) {
  await page.fill('#token-name', name);
  await page.fill('#token-days', days);
  await page.tap('#token-issue');
  await page.waitForSelector(`#token-secret >> text=${name}`);
  return page.inputValue('#token-value');
}

/** Nav links cut off or wrapped to a second row. */
const navProblems = (page) => page.evaluate(() => {
  const links = [...document.querySelectorAll('nav.mainnav a')];
  const top = links[0].getBoundingClientRect().top;
  return links.filter((a) => {
    const r = a.getBoundingClientRect();
    return r.right > window.innerWidth || r.width === 0 || Math.abs(r.top - top) > 2;
  }).map((a) => a.textContent);
});

test('an administrator issues, copies, uses and revokes a token', async () => {
  const { ctx, page } = await signedIn('admin', ADMIN_PASSWORD);
  assert.ok(await page.isChecked('#token-form input[name=clinic]'), 'the only clinic is preselected');
  assert.equal(await page.inputValue('#token-user'), '', 'an application token by default');

  // Validated in the browser: a name is needed, and the expiry is a number of days.
  await page.tap('#token-issue');
  await page.waitForSelector('#token-error >> text=name');
  await page.fill('#token-name', 'OHIF viewer');
  await page.waitForSelector('#token-error', { state: 'detached' });
  await page.fill('#token-days', 'soon');
  await page.tap('#token-issue');
  await page.waitForSelector('#token-error >> text=Expiry');
  await page.screenshot({ path: join(shots, 'tokens-invalid.png'), fullPage: true });
  await page.fill('#token-days', '');
  await page.waitForSelector('#token-error', { state: 'detached' });

  const secret = await issue(page, 'OHIF viewer', '30');
  assert.match(secret, /^pst_\d+_[0-9a-f]{64}$/);
  assert.equal(await page.inputValue('#token-example'),
    `curl -H "Authorization: Bearer ${secret}" ${server.base}/dicomweb/studies`);
  await page.tap('#token-secret button[data-copy=token-value]');
  await page.waitForSelector('#token-secret button[data-copy=token-value] >> text=Copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'Copy puts the secret on the clipboard');
  assert.equal(await page.inputValue('#token-name'), '', 'the form is cleared for the next token');

  const row = page.locator('tr[data-token]', { hasText: 'OHIF viewer' });
  await row.waitFor();
  assert.match(await row.innerText(), /application[\s\S]*Clinique démo[\s\S]*admin[\s\S]*not yet[\s\S]*active/);
  await page.screenshot({ path: join(shots, 'tokens-issued.png'), fullPage: true });

  const ok = await studies(secret);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'application/dicom+json');
  const upload = await upload_(secret);
  assert.equal(upload.status, 403, 'a token reads only unless uploads were allowed');
  assert.match(await upload.text(), /not upload/);

  // Revoke: the first tap asks under the row, Cancel backs out, the confirmation revokes.
  await row.locator('button[data-revoke]').tap();
  await page.waitForSelector('tr.confirm');
  await page.tap('tr.confirm button[data-cancel-revoke]');
  await page.waitForSelector('tr.confirm', { state: 'detached' });
  assert.equal((await studies(secret)).status, 200, 'cancelled: still valid');
  await row.locator('button[data-revoke]').tap();
  await page.waitForSelector('tr.confirm button[data-confirm-revoke]');
  await page.screenshot({ path: join(shots, 'tokens-confirm.png'), fullPage: true });
  await page.tap('tr.confirm button[data-confirm-revoke]');
  await row.locator('[data-state=revoked]').waitFor();
  await page.waitForSelector('#token-secret', { state: 'detached' });
  assert.equal(await row.locator('button[data-revoke]').count(), 0, 'no Revoke on a revoked token');
  assert.equal((await studies(secret)).status, 401, 'a revoked token is refused');

  // French: labels, a token acting for a user, with no expiry.
  await page.tap('button.lang[lang=fr]');
  await page.waitForSelector('h1 >> text=Jetons DICOMweb');
  for (const label of ['Nouveau jeton', 'Agit pour', 'Expire après (jours)', 'Cliniques', 'Émettre un jeton', 'Jetons émis', 'Dernier usage']) {
    assert.ok(await page.isVisible(`main >> text=${label}`), label);
  }
  assert.equal((await page.textContent('nav a[href="/tokens"]')).trim(), 'Jetons');
  assert.ok(await row.locator('text=révoqué').isVisible());
  await page.selectOption('#token-user', { label: 'Administrator (admin)' });
  await page.check('#token-store');
  const mine = await issue(page, 'Script nocturne', '');
  assert.ok(await page.isVisible('#token-secret >> text=il ne sera plus affiché'));
  assert.equal(await page.isChecked('#token-store'), false, 'the form is cleared');
  const second = page.locator('tr[data-token]', { hasText: 'Script nocturne' });
  assert.match(await second.innerText(), /Script nocturne[\s\S]*\+ versement[\s\S]*Administrator \(admin\)[\s\S]*jamais[\s\S]*actif/);
  assert.equal((await studies(mine)).status, 200);
  const stow = await upload_(mine);
  assert.equal(stow.status, 415, 'uploads allowed: the request reaches STOW-RS (and this body is refused there)');
  await page.screenshot({ path: join(shots, 'tokens-fr.png'), fullPage: true });
  assert.deepEqual(await navProblems(page), [], 'the French nav fits one row at 1024 px');
  await page.tap('#token-done');
  await page.waitForSelector('#token-secret', { state: 'detached' });
  await ctx.close();
});

test('clinic staff issue tokens for themselves and see only their own', async () => {
  const { ctx, page } = await signedIn('mstaff', STAFF_PASSWORD, 'fr-CA');
  assert.equal(await page.locator('#token-user').count(), 0, 'no "acts for" choice');
  assert.match(await page.textContent('#token-for-me'), /vous — Marie Staff \(mstaff\)/);
  assert.ok(await page.isVisible('#no-tokens'), "the administrator's tokens are not listed");
  const secret = await issue(page, 'Mon poste', '7');
  const row = page.locator('tr[data-token]', { hasText: 'Mon poste' });
  assert.match(await row.innerText(), /Marie Staff \(mstaff\)[\s\S]*Clinique démo[\s\S]*mstaff/);
  assert.equal((await studies(secret)).status, 200);
  assert.equal(await page.locator('tr[data-token]').count(), 1);
  await page.screenshot({ path: join(shots, 'tokens-staff-fr.png'), fullPage: true });
  assert.deepEqual(await navProblems(page), []);
  await ctx.close();
});
