#!/usr/bin/env node
/**
 * `npm run export:pdf [-- path/to/deck] [--notes] [--out file.pdf]`: the deck (the containers
 * lecture unless named) as a PDF, export/<deck>.pdf, through reveal's print view (`?print-pdf`)
 * in Chromium (Playwright, Debian's /usr/bin/chromium).
 *
 * One 1920×1080 page per slide, fragments shown, links kept, and every terminal rendered as the
 * final screen of its demo's recording, as real text. It waits on the page's own signals (every
 * pane `data-replay-done`, the fonts loaded, reveal's print pages laid out), never on sleeps.
 * It builds the deck only if it is not built, and serves it with a plain static server (the
 * print view needs no live server and no Docker Engine).
 */
import { chromiumArgs, chromiumPath } from './chromium.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { deckArgs, loadDeck, root } from './deck.mjs';
import { serveStatic } from './serve-static.mjs';

const { deck, rest: args } = deckArgs(process.argv.slice(2));
const notes = args.includes('--notes');
const outIndex = args.indexOf('--out');
const webRoot = join(root, 'apps/web/dist');

const started = Date.now();
if (!existsSync(join(webRoot, 'index.html')) || !existsSync(join(root, 'packages/slides/dist/index.js'))) {
  console.log('Building the app (npm run build)…');
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const folder = await loadDeck(deck);
const out = resolve(process.env.INIT_CWD ?? root, outIndex >= 0 ? args[outIndex + 1] : join(root, `export/${folder.name}.pdf`));
const recordings = resolve(root, process.env.LECTURE_RECORDINGS ?? folder.recordingsDir);

const server = await serveStatic(webRoot, { recordings, deckJson: JSON.stringify(folder.deck) });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
let code = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.url}/?print-pdf${notes ? '&notes' : ''}`);
  // reveal lays out the print pages (.pdf-page) once it is ready.
  await page.waitForFunction(
    () => {
      const sections = document.querySelectorAll('.reveal .slides section').length;
      return sections > 0 && document.querySelectorAll('.reveal .slides .pdf-page > section').length === sections;
    },
    undefined,
    { timeout: 60_000 },
  );
  // Every terminal has written its recording to the end (or said it has none).
  await page.waitForFunction(
    () => {
      const panes = [...document.querySelectorAll('[data-pane]')];
      return panes.every((p) => p.getAttribute('data-terminal-state') !== 'replay' || p.getAttribute('data-replay-done') === 'true');
    },
    undefined,
    { timeout: 60_000 },
  );
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // Long code blocks have shrunk until every line is on its page (the deck's codeFit.ts).
  await page.waitForFunction(() => document.documentElement.dataset.codeFitted === 'true', undefined, { timeout: 60_000 });
  const info = await page.evaluate(() => ({
    pages:
      document.querySelectorAll('.reveal .slides .pdf-page').length +
      document.querySelectorAll('.reveal .slides .speaker-notes-pdf[data-layout="separate-page"]').length,
    slides: document.querySelectorAll('.reveal .slides section').length,
    replays: document.querySelectorAll('[data-terminal-state="replay"]').length,
    missing: [...document.querySelectorAll('[data-replay-missing]')].map((p) => p.getAttribute('data-pane')),
  }));
  mkdirSync(dirname(out), { recursive: true });
  await page.pdf({ path: out, preferCSSPageSize: true, printBackground: true });
  const kib = Math.round(statSync(out).size / 1024);
  console.log(
    `Wrote ${out}: ${info.pages} pages for ${info.slides} slides${notes ? ' (with notes pages)' : ''}, ${info.replays} terminals from recordings, ${kib} KiB, in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
  if (info.missing.length) console.warn(`No recording for the panes on: ${info.missing.join(', ')} (run npm run record).`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  code = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(code);
