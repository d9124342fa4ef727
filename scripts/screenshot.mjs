#!/usr/bin/env node
// Screenshots of the running deck, as a lecturer would see it: node scripts/screenshot.mjs
// BASE=http://127.0.0.1:8080 KEY=<presenter key> OUT=/tmp/shots SLIDES=title,try-sandbox SIZE=1920x1080
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const base = process.env.BASE ?? 'http://127.0.0.1:8080';
const out = process.env.OUT ?? '/tmp/shots';
const [width, height] = (process.env.SIZE ?? '1920x1080').split('x').map(Number);
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
const page = await browser.newPage({ viewport: { width, height } });
if (process.env.KEY) await page.goto(`${base}/presenter?key=${process.env.KEY}`);
await page.goto(`${base}/`);
await page.waitForSelector('.reveal.ready');
const ids = process.env.SLIDES ? process.env.SLIDES.split(',') : await page.$$eval('.reveal .slides > section', (s) => s.map((e) => e.id));
for (const id of ids) {
  await page.evaluate((id) => { location.hash = `#/${id}`; }, id);
  await page.waitForTimeout(Number(process.env.WAIT ?? 400));
  if (await page.$(`section#${id} [data-terminal-state]`)) {
    await page.waitForSelector(`section#${id} [data-terminal-state="ready"], section#${id} [data-terminal-state="error"]`, { timeout: 30000 }).catch(() => {});
    await page.waitForTimeout(800);
  }
  await page.screenshot({ path: `${out}/${id}-${width}x${height}.png` });
}
await browser.close();
console.log(`${ids.length} screenshots in ${out}`);
