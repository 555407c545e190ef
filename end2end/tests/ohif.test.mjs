// OHIF 3.13.2 (the prebuilt dist of npm @ohif/app, fetched once by scripts/setup.sh: the package
// cannot be an npm dependency, its own dependencies @ohif/ui@3.13.2 and @ohif/i18n@3.13.2 are not
// published) against Passerelle's DICOMweb door in Chromium. OHIF is served from another origin,
// listed in `dicomweb.cors_origins`; its one data source is Passerelle's /dicomweb. The study is
// CT-like (position, orientation, spacing, window, and a picture whose orientation can be checked
// on the canvas). The study list gets the token the way a reverse proxy would add it (OHIF reads
// `?token=` only on its viewer routes); the viewer gets it through OHIF's own `?token=`, so its
// requests carry `Authorization` and go through CORS preflights. Every /dicomweb call is recorded,
// summarized, and must answer 200.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer, repo } from './support.mjs';

const dist = join(process.env.OHIF_CACHE ?? '/var/cache/passerelle/ohif-3.13.2', 'package', 'dist');
const shots = join(repo, 'target', 'screenshots');
const synth = mkdtempSync(join(tmpdir(), 'passerelle-ohif-'));
const types = {
  '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.txt': 'text/plain',
};
let server;
let ohif;
let ohifBase;
let browser;
let token;
let studyUid;

/** OHIF's app-config.js: one DICOMweb data source, Passerelle's /dicomweb at `root`. */
function appConfig(root) {
  const config = {
    routerBasename: '/',
    showStudyList: true,
    extensions: [],
    modes: [],
    customizationService: {},
    investigationalUseDialog: { option: 'never' },
    maxNumberOfWebWorkers: 3,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    defaultDataSourceName: 'passerelle',
    dataSources: [{
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'passerelle',
      configuration: {
        friendlyName: 'Passerelle',
        name: 'passerelle',
        qidoRoot: root,
        wadoRoot: root,
        wadoUriRoot: root,
        qidoSupportsIncludeField: true,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: true,
        supportsWildcard: true,
        // staticWado: true makes the same calls here (tried); false is what the README advises.
        staticWado: false,
        singlepart: 'bulkdata,video',
        bulkDataURI: { enabled: true, relativeResolution: 'studies' },
        omitQuotationForMultipartRequest: true,
      },
    }],
  };
  return `window.config = ${JSON.stringify(config, null, 2)};\n`;
}

/** A static server for OHIF's dist: /app-config.js from `state.root`, paths without an
 * extension get index.html (single-page app), missing files a 404. */
async function serveOhif(state) {
  const srv = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path === '/app-config.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(appConfig(state.root));
    }
    const file = extname(path) ? join(dist, path) : join(dist, 'index.html');
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return srv;
}

/** One CT-like study of four 256×256 slices: `passerelle generate`, then DCMTK dcmodify adds
 * what a viewer needs to place and window the slices, and a picture (a disc darker on the
 * patient's right, i.e. the image's left, with a white square near the top). */
function writeStudy() {
  execFileSync(server.bin, ['generate', '--out', synth, '--studies', '1', '--instances', '4', '--size-kib', '128']);
  const raw = join(tmpdir(), `passerelle-ohif-${process.pid}.raw`);
  const px = Buffer.alloc(256 * 256 * 2);
  for (let y = 0; y < 256; y += 1) {
    for (let x = 0; x < 256; x += 1) {
      const square = y >= 60 && y < 80 && x >= 118 && x < 138;
      const disc = Math.hypot(x - 128, y - 128) < 100;
      px.writeUInt16LE(square ? 3000 : disc ? 300 + 6 * x : 0, (y * 256 + x) * 2);
    }
  }
  writeFileSync(raw, px);
  const frame = `2.25.${BigInt(Date.now()) * 1000003n}`;
  readdirSync(synth).filter((f) => f.endsWith('.dcm')).sort().forEach((f, k) => {
    execFileSync('dcmodify', ['-nb',
      '-i', '(0008,0008)=ORIGINAL\\PRIMARY\\AXIAL',
      '-i', '(0018,0050)=5',
      '-i', `(0020,0032)=-89.6\\-89.6\\${-5 * k}`,
      '-i', '(0020,0037)=1\\0\\0\\0\\1\\0',
      '-i', `(0020,0052)=${frame}`,
      '-i', '(0028,0030)=0.7\\0.7',
      '-i', '(0028,1050)=0',
      '-i', '(0028,1051)=2000',
      '-i', '(0028,1052)=-1024',
      '-i', '(0028,1053)=1',
      '-mf', `(7fe0,0010)=${raw}`,
      join(synth, f)]);
  });
  rmSync(raw);
  execFileSync('storescu', ['-aec', 'PASSERELLE', '127.0.0.1', String(server.dicomPort), '+sd', synth],
    { env: { ...process.env, TCP_NODELAY: '1' } });
}

/** Records every request to /dicomweb (method, path with UIDs shortened, status; 0 when it
 * failed, e.g. blocked by CORS) and whether it carried Authorization. */
function record(page) {
  const calls = [];
  const short = (url) => url.replace(server.base, '').replace(/\d+(\.\d+){2,}/g, '{uid}');
  page.on('requestfinished', async (req) => {
    if (!req.url().startsWith(`${server.base}/dicomweb`)) return;
    const res = await req.response();
    const headers = await req.allHeaders();
    calls.push({ method: req.method(), path: short(req.url()), status: res?.status() ?? 0, auth: 'authorization' in headers });
  });
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith(`${server.base}/dicomweb`)) return;
    calls.push({ method: req.method(), path: short(req.url()), status: 0, error: req.failure()?.errorText });
  });
  return calls;
}

function summary(title, calls) {
  const groups = new Map();
  for (const c of calls) {
    const key = `${c.method} ${c.path.replace(/\/instances\/\{uid\}/, '/instances/*')} → ${c.status || c.error}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  console.log(`${title}: ${calls.length} /dicomweb calls\n${[...groups].map(([k, n]) => `  ${n} × ${k}`).join('\n')}`);
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // No onboarding tour over the viewport.
  await context.addInitScript(() => localStorage.setItem('shownTours', JSON.stringify(['basicViewerTour'])));
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  assert.ok(existsSync(join(dist, 'index.html')), `OHIF's dist is missing in ${dist} (scripts/setup.sh fetches it)`);
  // The OHIF origin must be known before Passerelle starts (CORS).
  const state = { root: '' };
  ohif = await serveOhif(state);
  ohifBase = `http://127.0.0.1:${ohif.address().port}`;
  server = await startServer({ PASSERELLE__DICOMWEB__CORS_ORIGINS: `["${ohifBase}"]` });
  state.root = `${server.base}/dicomweb`;
  writeStudy();
  const out = execFileSync(server.bin, ['--data-dir', server.dataDir, 'token', 'create', '--name', 'ohif', '--clinic', 'DEMO'],
    { env: { ...process.env, RUST_LOG: 'error' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  token = out.match(/pst_\d+_[0-9a-f]{64}/)?.[0];
  assert.ok(token, `a token: ${out}`);
  const studies = await (await fetch(`${server.base}/dicomweb/studies`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(studies.length, 1, 'the study is stored');
  studyUid = studies[0]['0020000D'].Value[0];
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // OHIF draws with WebGL: software rendering (SwiftShader) instead of --disable-gpu.
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  ohif?.close();
  await server?.stop();
  rmSync(synth, { recursive: true, force: true });
});

test('CORS: a preflight from the OHIF origin may send Authorization; another origin gets no grant', async () => {
  const preflight = (origin) => fetch(`${server.base}/dicomweb/studies`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'accept,authorization' },
  });
  const ok = await preflight(ohifBase);
  assert.ok(ok.status === 200 || ok.status === 204, `preflight status ${ok.status}`);
  assert.equal(ok.headers.get('access-control-allow-origin'), ohifBase);
  // "*" would not cover Authorization (Fetch standard): it must be named.
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  const other = await preflight('http://127.0.0.1:1');
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('OHIF study list: the QIDO-RS study and series searches fill the list, and the filters search on the server', async () => {
  const { context, page, errors } = await newPage();
  const calls = record(page);
  try {
    // Like a reverse proxy adding the token: only requests to Passerelle.
    await page.route(`${server.base}/**`, (route) =>
      route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }));
    await page.goto(`${ohifBase}/`);
    const row = page.locator('tr', { hasText: 'SYNTHETIQUE, PATIENT0' });
    await row.waitFor();
    const cells = await row.innerText();
    for (const text of ['27-Nov-2026', 'CT', 'CT THORAX', '4']) assert.ok(cells.includes(text), `"${text}" in the row: ${cells}`);
    // The study's series (QIDO-RS series search) in the side panel.
    await row.click();
    await page.getByText('AXIAL', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Basic Viewer' }).waitFor();
    await page.screenshot({ path: join(shots, 'ohif-list.png') });

    // The patient filter: OHIF sends PatientName with a wildcard; Passerelle matches it.
    const patient = page.locator('input').first();
    const search = async (text) => {
      const answered = page.waitForResponse((r) => r.url().includes(text), { timeout: 10000 }).catch(() => null);
      await patient.fill(text);
      assert.ok(await answered, `OHIF searched for ${text}`);
    };
    await search('nobody');
    await row.waitFor({ state: 'detached' });
    await search('synthet');
    await row.waitFor();
    await page.screenshot({ path: join(shots, 'ohif-list-filtered.png') });
  } finally {
    summary('study list', calls);
  }
  const paths = calls.map((c) => c.path);
  assert.ok(paths.some((p) => /^\/dicomweb\/studies\?limit=101&offset=0&fuzzymatching=true&includefield=/.test(p)), 'the study search');
  assert.ok(paths.some((p) => /^\/dicomweb\/studies\/\{uid\}\/series\?includefield=/.test(p)), 'the series search');
  assert.deepEqual(calls.filter((c) => c.status !== 200), [], 'every /dicomweb call answered 200');
  assert.deepEqual(errors, [], 'no uncaught error in the page');
  await context.close();
});

test('OHIF viewer: series metadata and frames (token through ?token=), thumbnail and image drawn the right way up', async () => {
  const { context, page, errors } = await newPage();
  const calls = record(page);
  const frames = () => calls.filter((c) => /\/frames\/1$/.test(c.path)).length;
  try {
    await page.goto(`${ohifBase}/viewer?StudyInstanceUIDs=${studyUid}&token=${token}`);
    // The series thumbnail, rendered from a frame (thumbnailRendering: 'wadors').
    const thumb = page.locator('[data-cy="study-browser-thumbnail"]');
    await thumb.locator('img[src^="data:image/"]').waitFor();
    assert.match(await thumb.innerText(), /AXIAL/);
    // Until the viewport has drawn the image: a dark background around a lit disc.
    const canvas = page.locator('canvas.cornerstone-canvas');
    await canvas.waitFor();
    await page.waitForFunction(() => {
      const c = document.querySelector('canvas.cornerstone-canvas');
      const g = c?.getContext('2d', { willReadFrequently: true });
      if (!g || c.width < 100) return false;
      const at = (x, y) => g.getImageData(Math.round(c.width / 2 + x * c.height), Math.round(c.height / 2 + y * c.height), 1, 1).data[0];
      return at(0, 0) > 60 && at(0, -0.48) < 20;
    });
    // Sampled in units of the canvas height, from its centre (the 256×256 image fills the height):
    // the image's left is darker than its right, the white square is at the top, not the bottom.
    const px = await page.evaluate(() => {
      const c = document.querySelector('canvas.cornerstone-canvas');
      const g = c.getContext('2d', { willReadFrequently: true });
      const at = (x, y) => g.getImageData(Math.round(c.width / 2 + x * c.height), Math.round(c.height / 2 + y * c.height), 1, 1).data[0];
      return { left: at(-0.3, 0), right: at(0.3, 0), square: at(0, -0.227), below: at(0, 0.227), corner: at(-0.45, 0.45) };
    });
    assert.ok(px.left + 40 < px.right, `left darker than right: ${JSON.stringify(px)}`);
    assert.ok(px.square > 240 && px.below < 240, `white square at the top: ${JSON.stringify(px)}`);
    assert.ok(px.corner < 20, `outside the disc is black: ${JSON.stringify(px)}`);
    // The overlay has the instance count and the window from the metadata.
    await page.getByText('1 (1/4)').waitFor();
    assert.match(await page.locator('[data-cy="viewport-overlay-bottom-left"]').innerText(), /W:\s*2000\s*L:\s*0/);
    // No warning on the series (OHIF flags e.g. slices without position or with irregular spacing).
    const warning = thumb.locator('[id^="display-set-tooltip-"]');
    if (await warning.count()) {
      await warning.hover();
      assert.fail(`the series has a warning: ${await page.locator('[role="tooltip"]').innerText().catch(() => '?')}`);
    }
    await page.screenshot({ path: join(shots, 'ohif-viewer.png') });

    // All four frames fetched (the stack prefetches the other slices).
    for (let i = 0; i < 100 && frames() < 4; i += 1) await page.waitForTimeout(100);
  } finally {
    summary('viewer', calls);
  }
  assert.equal(calls.filter((c) => /\/series\/\{uid\}\/metadata$/.test(c.path)).length, 1, 'the series metadata once');
  assert.equal(frames(), 4, 'the four frames');
  assert.deepEqual(calls.filter((c) => c.status !== 200), [], 'every /dicomweb call answered 200');
  assert.deepEqual(calls.filter((c) => !c.auth), [], 'every /dicomweb call carried the token');
  assert.doesNotMatch(page.url(), /token=/, 'OHIF took the token out of the address');
  assert.deepEqual(errors, [], 'no uncaught error in the page');
  await context.close();
});
