// Browser-test support: starts a Passerelle server on a free port with a fresh data directory,
// and launches the system Chromium through playwright-core (no browser download).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const ADMIN_PASSWORD = 'correct horse battery';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

async function waitHealthy(base, child, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`passerelle exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('passerelle did not become healthy');
}

/** Starts `passerelle serve`; returns { base, stop }. */
export async function startServer(extraEnv = {}) {
  const bin = process.env.PASSERELLE_BIN ?? join(repo, 'target', 'debug', 'passerelle');
  const port = await freePort();
  const dicom = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'passerelle-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['serve', '--data-dir', dataDir], {
    env: {
      ...process.env,
      RUST_LOG: 'warn',
      PASSERELLE__SERVER__HTTP_ADDR: `127.0.0.1:${port}`,
      PASSERELLE__DICOM__LISTEN: `127.0.0.1:${dicom}`,
      PASSERELLE__SERVER__PUBLIC_URL: base,
      PASSERELLE__SERVER__SITE_DIR: join(repo, 'target', 'site'),
      PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', () => {});
  await waitHealthy(base, child);
  return {
    base,
    bin,
    dataDir,
    dicomPort: dicom,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * Records, in every page of `ctx`, what the page's Content-Security-Policy refused
 * (`hydrated` then fails on any).
 */
export async function watchCsp(ctx) {
  await ctx.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

/**
 * Waits until the WASM app has hydrated the page (clicks before that would be lost), and
 * fails if the page's Content-Security-Policy refused anything (in contexts under `watchCsp`).
 */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  const refused = await page.evaluate(() => window.__cspViolations ?? []);
  if (refused.length) throw new Error(`refused by the page's CSP: ${refused.join('; ')}`);
}

/**
 * A new 1024×768 touch context signed in as `username` on `base` (home page, hydrated);
 * returns { ctx, page }.
 */
export async function signIn(browser, base, username, password, locale = 'en-CA') {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, locale });
  await watchCsp(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(`${base}/login`);
  await hydrated(page);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#signin');
  await page.waitForURL(`${base}/`);
  await hydrated(page);
  return { ctx, page };
}

/**
 * Follows the link to `href`: from the top bar when it is there, else from the Menu (which it
 * opens first), as a person would.
 */
export async function go(page, href) {
  const top = page.locator(`.mainnav a[href="${href}"]`);
  if (await top.count() && await top.isVisible()) {
    await top.click();
  } else {
    if ((await page.locator('#menu').getAttribute('open')) === null) {
      await page.click('#menu > summary');
    }
    await page.click(`#menu a[href="${href}"]`);
  }
  try {
    await page.waitForURL((u) => u.pathname === href, { timeout: 5000 });
  } catch (e) {
    const { join } = await import('node:path');
    await page.screenshot({ path: join(repo, 'target', 'screenshots', 'go-failed.png') });
    throw new Error(`go(${href}): the link was clicked, the page is still ${page.url()} (see go-failed.png)`);
  }
}
