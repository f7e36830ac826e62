// The digest's HTML part as readers see it: rendered by feedletter, loaded in
// headless Chromium at phone and desktop widths, then checked against the
// Can I Email data for the clients most readers use. Run by .ci/run; exits
// non-zero when a page is wider than a phone's screen or the text column is
// wider than the card.
//
//   node scripts/layout/check.mjs [--shots DIR]
//
// Needs a built feedletter (target/debug, or FEEDLETTER=path) and Debian's
// chromium (CHROMIUM=path to override). No network: every remote request is
// answered here or refused.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { doIUseEmail } from '@jsx-email/doiuse-email';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.FEEDLETTER ?? join(root, 'target/debug/feedletter');
const shotsAt = process.argv.indexOf('--shots');
const shots = shotsAt > 0 ? resolve(process.argv[shotsAt + 1]) : null;
const work = mkdtempSync(join(tmpdir(), 'feedletter-layout-'));

function render(config, name) {
  const out = join(work, `${name}.html`);
  execFileSync(bin, ['run', '-c', config, '--dry-run=html', '--now', '2026-05-14T07:00:00Z', '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

const digests = {
  offline: render(join(root, 'examples/offline.yaml'), 'offline'),
  phone: render(join(here, 'fixture/phone.yaml'), 'phone'),
};

// Stand-ins for the feeds' pictures, of the size their names say (600 px square
// when a name gives one side), so that they load as real images would.
function picture(url) {
  const size = /-(\d+)(?:x(\d+))?\.\w+$/.exec(new URL(url).pathname);
  const w = size ? Number(size[1]) : 800;
  const h = size?.[2] ? Number(size[2]) : size ? w : 450;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#94a3b8"/></svg>`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const failures = [];
try {
  for (const [name, file] of Object.entries(digests)) {
    // Pictures loaded, and blocked as many mail clients do until the reader asks.
    for (const [width, blocked] of [[320, false], [375, false], [1024, false], [320, true]]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.route(/^https?:/, (route) =>
        route.request().resourceType() === 'image' && !blocked
          ? route.fulfill({ contentType: 'image/svg+xml', body: picture(route.request().url()) })
          : route.abort(),
      );
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const m = await page.evaluate(() => {
        const texts = [...document.querySelectorAll('h1, h2, p, .content')];
        return {
          scroll: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
          column: Math.max(...texts.map((e) => e.getBoundingClientRect().width)),
        };
      });
      const label = `${name} at ${width}px${blocked ? ' without pictures' : ''}`;
      console.log(`${label}: scroll width ${m.scroll}, widest text ${Math.round(m.column)}px`);
      if (width < 1024 && m.scroll > m.viewport) {
        failures.push(`${label} is ${m.scroll}px wide: readers would scroll sideways`);
      }
      if (width === 1024 && m.column > 640) {
        failures.push(`${label} spreads text over ${Math.round(m.column)}px (at most 640)`);
      }
      if (shots) {
        await page.screenshot({ path: join(shots, `${name}-${width}${blocked ? '-blocked' : ''}.png`), fullPage: true });
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
}

// What the clients' own rendering engines drop or change; reported, not failed on:
// docs/templates.md's "Email clients" says which findings remain and why they are harmless.
const clients = ['gmail.desktop-webmail', 'gmail.ios', 'gmail.android', 'apple-mail.*', 'outlook.*', 'yahoo.*'];
const report = doIUseEmail(readFileSync(digests.phone, 'utf8'), { emailClients: clients });
const findings = [...new Set([...(report.errors ?? []), ...(report.warnings ?? [])])];
console.log(`caniemail: ${findings.length} finding(s) for ${clients.join(', ')}`);
for (const finding of findings) console.log(`  ${finding}`);
writeFileSync(join(work, 'caniemail.json'), JSON.stringify(report, null, 2));

rmSync(work, { recursive: true, force: true });
for (const failure of failures) console.error(`FAIL ${failure}`);
console.log(`layout: ${failures.length === 0 ? 'ok' : `${failures.length} failure(s)`}`);
process.exit(failures.length === 0 ? 0 : 1);
