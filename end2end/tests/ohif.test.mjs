// OHIF (npm @ohif/app 3.13.2, its prebuilt dist fetched by scripts/setup.sh) against Passerelle's
// DICOMweb door in Chromium: OHIF is served from another origin (CORS configured for it), its
// requests to /dicomweb carry a bearer token issued by `passerelle token create`; the study list
// shows the study, the viewer loads series metadata and frames and draws the image; every
// /dicomweb call answers 200.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startServer, repo } from './support.mjs';

const dist = join(process.env.OHIF_CACHE ?? '/var/cache/passerelle/ohif-3.13.2', 'package', 'dist');
const shots = join(repo, 'target', 'screenshots');
const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };
let server;
let ohif;
let ohifBase;
let browser;

/** OHIF's dist with an app-config.js whose one data source is Passerelle. */
function config(root) {
  const shipped = readFileSync(join(dist, 'app-config.js'), 'utf8');
  return shipped
    .replaceAll('https://d14fa38qiwhyfd.cloudfront.net/dicomweb', root)
    .replace('qidoSupportsIncludeField: false', 'qidoSupportsIncludeField: true')
    .replace('staticWado: true', 'staticWado: false')
    .replace("thumbnailRendering: 'thumbnail'", "thumbnailRendering: 'wadors'");
}

/** A static server for OHIF's dist (single-page app: unknown paths get index.html); its
 * app-config.js points at `state.root`, set once Passerelle runs. */
async function serveOhif(state) {
  const srv = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/app-config.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(config(state.root));
    }
    let file = join(dist, path);
    let body;
    try { body = await readFile(file); } catch { file = join(dist, 'index.html'); body = await readFile(file); }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return srv;
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
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // OHIF draws with WebGL: software rendering instead of --disable-gpu.
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  ohif?.close();
  await server?.stop();
});

test('OHIF lists and opens a study from Passerelle', async () => {
  const synth = mkdtempSync(join(tmpdir(), 'passerelle-ohif-'));
  execFileSync(server.bin, ['generate', '--out', synth, '--studies', '1', '--instances', '4', '--size-kib', '130']);
  execFileSync('storescu', ['-aec', 'PASSERELLE', '127.0.0.1', String(server.dicomPort), '+sd', synth], { env: { ...process.env, TCP_NODELAY: '1' } });
  const out = execFileSync(server.bin, ['--data-dir', server.dataDir, 'token', 'create', '--name', 'ohif', '--clinic', 'DEMO'],
    { env: { ...process.env, RUST_LOG: 'error' } }).toString();
  const token = out.match(/pst_\d+_[0-9a-f]{64}/)?.[0];
  assert.ok(token, `a token: ${out}`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(45000);
  const calls = [];
  await page.route(`${server.base}/**`, (route) => route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${token}` } }));
  page.on('response', (r) => { if (r.url().includes('/dicomweb')) calls.push({ status: r.status(), url: r.url().replace(server.base, '') }); });
  await page.goto(`${ohifBase}/`);
  await page.waitForSelector('text=SYNTHETIQUE');
  await page.screenshot({ path: join(shots, 'ohif-list.png') });
  const list = calls.find((c) => c.url.startsWith('/dicomweb/studies?'));
  assert.ok(list, 'OHIF asked for the study list');

  const qido = await (await fetch(`${server.base}/dicomweb/studies`, { headers: { authorization: `Bearer ${token}` } })).json();
  const study = qido[0]['0020000D'].Value[0];
  await page.goto(`${ohifBase}/viewer?StudyInstanceUIDs=${study}`);
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas');
    return c && c.width > 100;
  });
  // Wait until the image is drawn: frames fetched and the canvas has lit pixels.
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas');
    const g = c?.getContext('2d');
    if (!g) return false;
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 16) if (d[i] + d[i + 1] + d[i + 2] > 60) lit += 1;
    return lit > 1000;
  });
  await page.screenshot({ path: join(shots, 'ohif-viewer.png') });
  const urls = calls.map((c) => c.url);
  assert.ok(urls.some((u) => /\/series\/[\d.]+\/metadata$/.test(u)), `series metadata asked: ${urls.join('\n')}`);
  assert.ok(urls.some((u) => /\/frames\/1$/.test(u)), 'frames asked');
  const bad = calls.filter((c) => c.status >= 400);
  assert.deepEqual(bad, [], 'every /dicomweb call answered');
  await page.close();
});
