/**
 * The HTML report in a real headless Chromium (Debian `chromium` +
 * playwright-core): it loads from file:// with no console errors and no
 * request other than the file itself, shows the right counts, renders the
 * side-by-side diffs, and a screenshot is written. Skips (saying why) when
 * /usr/bin/chromium is absent; CI installs it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { runCli, tempDir } from './helpers.js';
import { htmlFixture } from './html-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const present = existsSync(CHROMIUM);
if (!present) process.stderr.write(`html-report-chromium: SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)\n`);
const maybe = present ? describe : describe.skip;

maybe('HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('loads offline with no console errors, shows the counts and the diffs; screenshot written', async () => {
    const base = htmlFixture();
    const r = runCli(['--html', 'report.html', 'app', 'tools'], base);
    expect(r.status).toBe(2); // tools/.github/workflows/broken.yml
    const file = join(base, 'report.html');
    const url = pathToFileURL(file).href;

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (req) => requests.push(req.url()));
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);

    const text = async (sel: string) => (await page.locator(sel).textContent())?.trim();
    expect(await page.title()).toBe('wf-fix report');
    expect(await text('[data-total="scanned"] dd')).toBe('8');
    expect(await text('[data-total="changed"] dd')).toBe('6');
    expect(await text('[data-total="failed"] dd')).toBe('1');
    expect(await text('[data-total="findings"] dd')).toBe('21');
    expect(await text('[data-total="repositories"] dd')).toBe('2');
    expect(await page.locator('#by-transform tbody tr').count()).toBe(9);
    expect(await text('#by-transform tr[data-rule="strict-shell"] td:nth-child(2)')).toBe('5');
    expect(await text('#by-repository tr[data-repository="app"] td:nth-child(4)')).toBe('20');
    expect(await page.locator('li.finding').count()).toBe(21);
    // Side by side: two panes per changed file, both visible and about half the width each.
    expect(await page.locator('.d2h-file-wrapper').count()).toBe(6);
    const panes = page.locator('.d2h-file-side-diff');
    expect(await panes.count()).toBe(12);
    const [left, right] = [await panes.nth(0).boundingBox(), await panes.nth(1).boundingBox()];
    expect(left && right && right.x > left.x + left.width - 2 && Math.abs(left.width - right.width) < 2).toBe(true);
    expect(await page.locator('.d2h-ins').count()).toBeGreaterThan(100);
    // Code reads left to right: the report's own table styles do not leak into diff2html's tables.
    expect(await page.locator('.d2h-code-side-line').first().evaluate((e) => getComputedStyle(e).textAlign)).toMatch(/^(left|start)$/);
    // The hostile step name is text, not an element.
    expect(await page.locator('li.finding img').count()).toBe(0);

    const shot = join(tempDir('wf-fix-shot-'), 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.WF_FIX_SCREENSHOT) await page.screenshot({ path: process.env.WF_FIX_SCREENSHOT, fullPage: false });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    expect(png.readUInt32BE(16)).toBe(1400); // IHDR width

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
