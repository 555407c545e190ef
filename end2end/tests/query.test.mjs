// End-to-end query/retrieve in Chromium at 1024×768 (touch): DCMTK dcmqrscp stands in for a
// clinic's PACS holding one synthetic study, a second PACS is down; an administrator searches by
// patient name with a wildcard, sees each PACS's outcome, drills down to the series, retrieves
// the study to Passerelle (C-MOVE), follows the job to completed and finds the study on the
// Studies page, moves it to a VNA (DCMTK storescp); then the labels and validation in French.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, execFileSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { startServer, launchBrowser, hydrated, repo, ADMIN_PASSWORD, signIn, go } from './support.mjs';

let server;
let browser;
let pacs;
let vna;
const shots = join(repo, 'target', 'screenshots');
const pacsDir = mkdtempSync(join(tmpdir(), 'passerelle-pacs-'));
const env = { ...process.env, TCP_NODELAY: '1' };

const freePort = () => new Promise((ok) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
});

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const up = await new Promise((ok) => {
      const c = connect(port, '127.0.0.1', () => { c.destroy(); ok(true); });
      c.on('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** dcmqrscp as the PACS `PACS`; its move destinations are Passerelle and the VNA. */
async function startPacs(port, vnaPort) {
  const storage = join(pacsDir, 'PACS');
  mkdirSync(storage);
  const cfg = join(pacsDir, 'dcmqrscp.cfg');
  writeFileSync(cfg, `NetworkTCPPort = ${port}
MaxPDUSize = 16384
MaxAssociations = 16

HostTable BEGIN
PASSERELLE = (PASSERELLE, 127.0.0.1, ${server.dicomPort})
VNA = (VNA, 127.0.0.1, ${vnaPort})
HostTable END

VendorTable BEGIN
"Passerelle" = PASSERELLE
"Archive" = VNA
VendorTable END

AETable BEGIN
PACS ${storage} RW (200, 1024mb) ANY
AETable END
`);
  pacs = spawn('dcmqrscp', ['-c', cfg], { env, stdio: 'ignore' });
  await listening(port);
  // One study of three instances, stored into the PACS.
  const synth = join(pacsDir, 'synth');
  execFileSync(server.bin, ['generate', '--out', synth, '--studies', '1', '--instances', '3', '--size-kib', '8']);
  execFileSync('storescu', ['-aet', 'LOADER', '-aec', 'PACS', '127.0.0.1', String(port), '+sd', synth], { env });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  pacs?.kill();
  vna?.kill();
  await browser?.close();
  await server?.stop();
  rmSync(pacsDir, { recursive: true, force: true });
});

/** Adds a node of the demo clinic through the network editor's server function. */
async function addNode(page, name, ae, port, role = 'pacs') {
  const status = await page.evaluate(async ([n, a, p, role]) => {
    const r = await fetch('/api/save_node', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ form: { id: null, name: n, ae_title: a, host: '127.0.0.1', port: p, tls: false,
        role, jurisdiction: 'quebec', notes: '', clinics: [1] } }) });
    return r.status;
  }, [name, ae, port, role]);
  assert.equal(status, 200, `node ${name} saved`);
}

test('search a PACS, drill down, retrieve to Passerelle, in English and French', async () => {
  const [pacsPort, vnaPort] = [await freePort(), await freePort()];
  const archived = join(pacsDir, 'vna');
  mkdirSync(archived);
  vna = spawn('storescp', ['-aet', 'VNA', '-od', archived, String(vnaPort)], { env, stdio: 'ignore' });
  await startPacs(pacsPort, vnaPort);
  const { ctx, page } = await signIn(browser, server.base, 'admin', ADMIN_PASSWORD);
  await addNode(page, 'PACS E2E', 'PACS', pacsPort);
  await addNode(page, 'PACS DOWN', 'NOBODY', await freePort()); // nothing listens there
  await addNode(page, 'VNA E2E', 'VNA', vnaPort, 'vna');

  // The nav link, then a wildcard search over every PACS of the clinic.
  await go(page, '/query');
  await page.waitForURL(/\/query$/);
  await page.waitForSelector('#query-form');
  await hydrated(page);
  await page.fill('#query-form input[name=patient_name]', 'SYNTH*');
  await page.click('#search');
  await page.waitForSelector('#pacs-outcomes li[data-node="PACS E2E"]', { timeout: 30000 });
  assert.equal((await page.textContent('#pacs-outcomes li[data-node="PACS E2E"] .count')).trim(), '1');
  // The PACS that is down shows its error in place; the other's results are still there.
  assert.ok(await page.isVisible('#pacs-outcomes li[data-node="PACS DOWN"] .node-error'), 'the failing PACS shows its error');
  const row = await page.textContent('#query-results tr.study');
  assert.match(row, /SYNTHETIQUE PATIENT/);
  assert.match(row, /PACS E2E/);
  await page.screenshot({ path: join(shots, 'query-results.png'), fullPage: true });

  // Drill down to the series, then retrieve the whole study to Passerelle.
  await page.tap('#query-results tr.study td:nth-child(5)');
  await page.waitForSelector('tr.detail .series-pick tbody tr');
  assert.equal(await page.locator('tr.detail .series-pick tbody tr').count(), 1);
  await page.tap('tr.detail .series-pick input[name=series]');
  await page.waitForSelector('tr.detail .scope >> text=1 series selected');
  await page.tap('tr.detail .series-pick input[name=series]');
  await page.waitForSelector('tr.detail .scope >> text=the whole study');
  await page.screenshot({ path: join(shots, 'query-series.png'), fullPage: true });
  await page.tap('tr.detail button.retrieve-here');
  await page.waitForSelector('tr.detail .started');
  await page.waitForSelector('#retrieve-jobs tr[data-state="completed"]', { timeout: 60000 });
  const job = await page.textContent('#retrieve-jobs tr[data-state="completed"]');
  assert.match(job, /PACS E2E/);
  assert.match(job, /C-MOVE → Passerelle/);
  assert.equal((await page.textContent('#retrieve-jobs tr[data-state="completed"] [data-k=completed]')).trim(), '3');
  await page.screenshot({ path: join(shots, 'query-retrieved.png'), fullPage: true });

  // The same study moved by the PACS straight to the clinic's VNA.
  await page.tap('tr.detail button.move-to-vna');
  await page.waitForSelector('tr.detail .vna-pick select[name=vna]');
  assert.match(await page.textContent('tr.detail .vna-pick select'), /VNA E2E \(VNA\)/);
  await page.screenshot({ path: join(shots, 'query-move-vna.png'), fullPage: true });
  await page.tap('tr.detail .vna-pick button.move');
  await page.waitForSelector('#retrieve-jobs tr[data-state="completed"]:has-text("C-MOVE → VNA")', { timeout: 60000 });
  assert.equal(readdirSync(archived).length, 3, 'the VNA received the three instances');

  // The retrieved study went through the normal ingest: it is on the Studies page.
  await go(page, '/studies');
  await page.waitForURL(/\/studies$/);
  await page.waitForSelector('#studies >> text=SYNTHETIQUE PATIENT');
  assert.match(await page.textContent('#studies tbody tr'), /3/);
  await page.screenshot({ path: join(shots, 'query-studies.png'), fullPage: true });

  // French: labels, and the browser refuses an empty search before sending it.
  await go(page, '/query');
  await page.waitForSelector('#query-form');
  await hydrated(page);
  await page.click('button.lang[lang=fr]');
  await page.waitForSelector('h1 >> text=Interrogation / récupération');
  // Every nav link of an administrator still fits a 1024 px screen in French.
  const nav = await page.$eval('nav.mainnav', (n) => [n.scrollWidth, n.clientWidth, n.textContent]);
  assert.ok(nav[0] <= nav[1], `the nav does not overflow: ${nav}`);
  assert.match(await page.textContent('#query-form'), /Nom du patient/);
  assert.match(await page.textContent('#query-form'), /Tous les PACS/);
  assert.equal((await page.textContent('#search')).trim(), 'Rechercher');
  assert.match(await page.textContent('#retrieves h2'), /Récupérations/);
  assert.match(await page.textContent('#retrieve-jobs'), /Terminée/);
  await page.click('#search');
  await page.waitForSelector('#search-error >> text=Indiquez au moins un critère de recherche.');
  await page.screenshot({ path: join(shots, 'query-fr.png'), fullPage: true });
  await ctx.close();
});
