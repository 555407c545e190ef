// End-to-end in Chromium at 1024×768: an administrator adds a destination and a rule (validated
// and previewed in the browser with the domain code), images sent by storescu are forwarded to
// DCMTK storescp, and the transfers and study pages show it, in English and French.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { startServer, launchBrowser, hydrated, repo, ADMIN_PASSWORD, signIn, go } from './support.mjs';

let server;
let browser;
let scp;
const shots = join(repo, 'target', 'screenshots');
const received = mkdtempSync(join(tmpdir(), 'passerelle-scp-'));

const freePort = () => new Promise((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
});

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  scp?.kill();
  await browser?.close();
  await server?.stop();
});

function send(instances) {
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-synth-'));
  execFileSync(server.bin, ['generate', '--out', dir, '--studies', '1', '--instances', String(instances), '--size-kib', '8']);
  execFileSync('storescu', ['-aet', 'CT_SCANNER', '-aec', 'PASSERELLE', '127.0.0.1', String(server.dicomPort), '+sd', dir],
    { env: { ...process.env, TCP_NODELAY: '1' } });
}

test('a rule is validated, previewed, saved, and images are forwarded', async () => {
  const port = await freePort();
  scp = spawn('storescp', ['-aet', 'VNA_E2E', '-od', received, String(port)], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
  send(2); // something to preview on
  const { ctx, page } = await signIn(browser, server.base, 'admin', ADMIN_PASSWORD);
  // The node the destination points at (same server function the network editor uses).
  const saved = await page.evaluate(async (p) => {
    const r = await fetch('/api/save_node', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ form: { id: null, name: 'VNA E2E', ae_title: 'VNA_E2E', host: '127.0.0.1', port: p, tls: false,
        role: 'vna', jurisdiction: 'quebec', notes: '', clinics: [1] } }) });
    return r.status;
  }, port);
  assert.equal(saved, 200);

  await go(page, '/admin/routing');
  await page.waitForURL(/\/admin\/routing$/);
  await page.click('#new-destination');
  await page.waitForSelector('#destination-form');
  await hydrated(page);
  await page.fill('#destination-form input[name=name]', 'vna-e2e');
  await page.click('#destination-form button[type=submit]');
  await page.waitForURL(/\/admin\/routing$/);
  await page.waitForSelector('#destinations >> text=vna-e2e');

  await page.click('#new-rule');
  await page.waitForSelector('#rule-form');
  await hydrated(page);
  await page.fill('#rule-form input[name=name]', 'CT to the VNA');
  await page.check('#rule-form input[name=destinations][value="vna-e2e"]');
  await page.fill('#rule-form textarea[name=condition]', '{"op":"matches","field":"study_description","pattern":"("}');
  await page.waitForSelector('.rule-errors >> text=regular expression');
  assert.ok(await page.isDisabled('#rule-form button[type=submit]'), 'an invalid rule cannot be saved');
  await page.screenshot({ path: join(shots, 'rule-invalid.png'), fullPage: true });
  await page.fill('#rule-form textarea[name=condition]', '{"op":"equals","field":"modality","value":"CT"}');
  await page.waitForSelector('text=The rule is valid.');
  await page.click('#preview-button');
  await page.waitForSelector('#preview tbody tr');
  const row = await page.textContent('#preview tbody tr');
  assert.match(row, /nowhere/);
  assert.match(row, /vna-e2e/);
  assert.match(row, /changed/);
  await page.screenshot({ path: join(shots, 'rule-preview.png'), fullPage: true });
  await page.click('#rule-form button[type=submit]');
  await page.waitForURL(/\/admin\/routing$/);
  await page.waitForSelector('#rules >> text=CT to the VNA');
  await page.screenshot({ path: join(shots, 'routing.png'), fullPage: true });
  // The rule's recorded changes: who and when.
  await page.click('#rules a:has-text("CT to the VNA")');
  await page.waitForSelector('ul.history li >> text=admin');
  await page.screenshot({ path: join(shots, 'rule-history.png'), fullPage: true });
  await go(page, '/admin/routing');
  await page.waitForURL(/\/admin\/routing$/);

  send(4);
  await go(page, '/admin/transfers');
  await page.waitForURL(/\/admin\/transfers$/);
  await page.waitForFunction(() => {
    const done = document.querySelector('[data-destination="vna-e2e"] .counter.ok b');
    return done && Number(done.textContent) >= 4;
  }, null, { timeout: 30000 });
  assert.ok(readdirSync(received).length >= 4, 'storescp received the forwarded instances');
  await page.screenshot({ path: join(shots, 'transfers.png'), fullPage: true });
  await page.click('button.lang[lang=fr]');
  await page.waitForSelector('h1 >> text=Transferts');
  await page.screenshot({ path: join(shots, 'transfers-fr.png'), fullPage: true });
  await ctx.close();
});
