// The registry in Chromium at 1024×768 (touch), in English and in French: create a patient (a
// RAMQ number that disagrees with the record is shown, refused, then saved once confirmed; a
// malformed one is explained in the page's language), an order for them from their page (it
// appears in today's orders; a modality's MPPS step then shows on its page), and a radiologist with credentials and a weekly slot. Staff land
// on today's orders; the menu reaches the other registry pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launchBrowser, hydrated, repo, ADMIN_PASSWORD, signIn, go } from './support.mjs';

let server;
let browser;
const shots = join(repo, 'target', 'screenshots');
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Montreal', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const L = {
  en: { locale: 'en-CA', badRamq: 'is not in the form ABCD 1234 5678', warn: 'RAMQ number is that of a male person', newRad: 'New radiologist', orders: "Today's orders", noStep: 'No modality has reported a step', done: 'Completed' },
  fr: { locale: 'fr-CA', badRamq: 'forme attendue ABCD 1234 5678', warn: 'personne de sexe masculin', newRad: 'Nouveau radiologiste', orders: 'Demandes du jour', noStep: "Aucune modalité n'a signalé d'étape", done: 'Terminée' },
};

async function createPatient(page, lang, p) {
  await go(page, '/patients');
  await page.waitForURL(/\/patients$/);
  await page.click('#new-patient');
  await page.waitForSelector('#patient-form');
  await hydrated(page);
  await page.fill('input[name=mrn]', p.mrn);
  await page.fill('input[name=family_name]', p.family);
  await page.fill('input[name=given_name]', p.given);
  await page.fill('input[name=birth_date]', p.birth);
  await page.selectOption('select[name=sex]', 'female');
  await page.fill('input[name=ramq]', 'LEV 12');
  await page.waitForFunction((t) => document.querySelector('[data-for=ramq]')?.textContent.includes(t), L[lang].badRamq);
  assert.ok(await page.isDisabled('#patient-form button[type=submit]'), 'a malformed RAMQ number cannot be sent');
  // A male month (no +50) for a woman: a warning, shown as typed and refused until confirmed.
  await page.fill('input[name=ramq]', p.maleRamq);
  await page.waitForFunction((t) => document.querySelector('#ramq-warnings')?.textContent.includes(t), L[lang].warn);
  await page.screenshot({ path: join(shots, `patient-form-${lang}.png`), fullPage: true });
  await page.click('#patient-form button[type=submit]');
  await page.waitForSelector('#save-anyway');
  await page.click('#save-anyway');
  await page.waitForURL(/\/patients\/\d+$/);
  await page.waitForSelector('#patient-name');
  assert.match(await page.textContent('#patient-name'), new RegExp(p.family.toUpperCase()));
  assert.match(await page.textContent('#patient-record'), new RegExp(p.mrn));
}

async function createOrder(page, lang) {
  await page.click('#order-for-patient');
  await page.waitForSelector('#order-form');
  await hydrated(page);
  await page.waitForSelector('#picked-patient');
  await page.waitForSelector('select[name=procedure] option[value]:not([value="0"])', { state: 'attached' });
  const ct = await page.locator('select[name=procedure] option', { hasText: 'CT-HEAD' }).getAttribute('value');
  await page.selectOption('select[name=procedure]', ct);
  await page.click('button[data-priority=stat]');
  await page.fill('input[name=scheduled]', `${today}T23:30`);
  await page.fill('input[name=reason]', lang === 'fr' ? 'Céphalée brutale' : 'Sudden headache');
  await page.screenshot({ path: join(shots, `order-form-${lang}.png`), fullPage: true });
  await page.click('#order-form button[type=submit]');
  await page.waitForURL(/\/orders\/\d+$/);
  await page.waitForSelector('#order-accession');
  const accession = (await page.textContent('#order-accession')).trim();
  assert.match(accession, /^PAS\d{5,}$/, 'an accession number assigned by Passerelle');
  assert.match(await page.textContent('#order-details'), /23:30/);
  await page.screenshot({ path: join(shots, `order-${lang}.png`), fullPage: true });
  await showsPerformedStep(page, lang);
  await page.click('a.brand');
  await page.waitForSelector(`h1:has-text("${L[lang].orders}")`);
  await page.waitForSelector(`#orders >> text=${accession}`);
  await page.screenshot({ path: join(shots, `home-orders-${lang}.png`) });
}

// The modality (pynetdicom, as in the server's MPPS tests) starts and completes a step for the
// order: its page shows the step, with its series and images.
function performStep(studyUid, accession, uid) {
  const el = (vr, v) => ({ vr, Value: [v] });
  const image = (u) => ({ '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', u) });
  const create = {
    '00400270': { vr: 'SQ', Value: [{ '0020000D': el('UI', studyUid), '00080050': el('SH', accession) }] },
    '00100010': { vr: 'PN' }, '00100020': { vr: 'LO' },
    '00400253': el('SH', 'PPS-E2E'), '00400241': el('AE', 'CT_SALLE1'), '00400244': el('DA', today.replaceAll('-', '')),
    '00400245': el('TM', '233500'), '00400252': el('CS', 'IN PROGRESS'), '00080060': el('CS', 'CT'),
    '00400254': el('LO', 'TDM cérébrale'),
  };
  const done = {
    '00400252': el('CS', 'COMPLETED'), '00400250': el('DA', today.replaceAll('-', '')), '00400251': el('TM', '234500'),
    '00400340': { vr: 'SQ', Value: [{ '0020000E': el('UI', `${uid}.1`), '00081140': { vr: 'SQ', Value: [image(`${uid}.1.1`), image(`${uid}.1.2`)] } }] },
  };
  const plan = { port: server.dicomPort, calling: 'CT_SALLE1', called: 'PASSERELLE',
    ops: [{ op: 'create', uid, dataset: create }, { op: 'set', uid, dataset: done }] };
  const r = spawnSync('python3', [join(repo, 'server', 'tests', 'peers', 'mpps_scu.py')], {
    input: JSON.stringify(plan), encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: process.env.PASSERELLE_PYLIB ?? '/var/cache/passerelle/pylib' },
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  for (const line of r.stdout.trim().split('\n')) {
    assert.equal(JSON.parse(line).status, 0, line);
  }
}

async function showsPerformedStep(page, lang) {
  assert.match(await page.textContent('#order-steps'), new RegExp(L[lang].noStep));
  const id = page.url().match(/\/orders\/(\d+)$/)[1];
  const order = await (await page.request.get(`${server.base}/api/v1/orders/${id}`)).json();
  performStep(order.study_uid, order.row.accession, `1.2.826.0.1.3680043.10.9.${id}`);
  await page.reload();
  await page.waitForSelector('#order-steps tr[data-status=completed]');
  const row = await page.textContent('#order-steps tbody');
  assert.match(row, new RegExp(L[lang].done));
  assert.match(row, /PPS-E2E/);
  await page.waitForSelector('#order-status');
  await page.screenshot({ path: join(shots, `order-steps-${lang}.png`), fullPage: true });
}

async function createRadiologist(page, lang, r) {
  await go(page, '/admin/users');
  await page.click('#new-user');
  await page.waitForSelector('#user-form');
  await hydrated(page);
  await page.fill('input[name=username]', r.user);
  await page.fill('input[name=display_name]', r.name);
  await page.selectOption('select[name=role]', 'radiologist');
  await page.check('#user-form label:has-text("DEMO") input[type=checkbox]');
  await page.fill('input[name=password]', 'radiologist password 2026');
  await page.click('#user-form button[type=submit]');
  await page.waitForURL(/\/admin\/users$/);
  await go(page, '/radiologists');
  await page.waitForURL(/\/radiologists$/);
  await page.click('#new-radiologist');
  await page.waitForSelector(`h1:has-text("${L[lang].newRad}")`);
  await hydrated(page);
  const account = await page.locator('select[name=user] option', { hasText: r.user }).getAttribute('value');
  await page.selectOption('select[name=user]', account);
  await page.fill('input[name=licence]', r.licence);
  await page.fill('input[name=licence_expiry]', '2028-06-30');
  await page.locator('#radiologist-form label.check', { hasText: lang === 'fr' ? 'thoracique' : 'chest' }).locator('input').check();
  await page.locator('#radiologist-form label.check', { hasText: /^CR$/ }).locator('input').check();
  await page.locator('#credentials label.check', { hasText: 'DEMO' }).locator('input').check();
  await page.click('#add-slot');
  await page.fill('#availability input[name=start]', '08:00');
  await page.fill('#availability input[name=end]', '12:00');
  await page.screenshot({ path: join(shots, `radiologist-form-${lang}.png`), fullPage: true });
  await page.click('#radiologist-form button[type=submit]');
  await page.waitForURL(/\/radiologists$/);
  await page.waitForSelector(`#radiologists >> text=${r.name}`);
}

for (const lang of ['en', 'fr']) {
  test(`staff and administrators create a patient, an order and a radiologist (${lang})`, async () => {
    const { ctx, page } = await signIn(browser, server.base, 'admin', ADMIN_PASSWORD, L[lang].locale);
    if (lang === 'fr') {
      await page.click('button.lang[lang=fr]');
    }
    await page.waitForSelector(`h1:has-text("${L[lang].orders}")`);
    const n = lang === 'en' ? '1' : '2';
    await createPatient(page, lang, {
      mrn: `00987${n}`, family: lang === 'en' ? 'Lévesque' : 'Bérubé', given: 'Éloïse', birth: '1990-04-12',
      maleRamq: lang === 'en' ? 'LEVE 9004 1212' : 'BERE 9004 1212',
    });
    await createOrder(page, lang);
    await createRadiologist(page, lang, { user: `rad.${lang}`, name: `Dre Test ${lang}`, licence: `3456${n}` });
    await page.click('#menu > summary');
    await page.screenshot({ path: join(shots, `menu-${lang}.png`) });
    for (const href of ['/reconcile', '/physicians', '/procedures', '/admin/hl7']) {
      assert.equal(await page.locator(`#menu a[href="${href}"]`).count(), 1, `${href} in the menu`);
    }
    await ctx.close();
  });
}
