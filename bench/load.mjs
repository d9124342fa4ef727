#!/usr/bin/env node
// Opening the deck: how long a student's phone and the lecturer's laptop take from the address
// to a deck that answers, and what the page's main thread spent on it. Part of `npm run bench`;
// rewrites the table between the `load` markers in docs/benchmarks.md (not with BENCH_WRITE=0).
// Knobs: BENCH_LOAD_ROUNDS (pages opened per case, after one not counted), BENCH_PORT (+20).
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './cdp.mjs';
import { mib, pct, startServer, writeBetweenMarkers } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.BENCH_PORT ?? 8290) + 20;
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 7);
const SECRET = 'bench-presenter-secret-01';
const base = `http://127.0.0.1:${PORT}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const CASES = [
  { name: 'a student’s phone (390×844, touch), the title slide', url: `${base}/`, phone: { width: 390, height: 844 } },
  { name: 'the lecturer’s laptop (1920×1080), the title slide', url: `${base}/presenter?key=${SECRET}` },
  {
    // The lecturer is on a demo slide (a presenter page of its own): the student follows there,
    // and the lecturer's terminal is mirrored live.
    name: 'a student’s phone joining while the lecturer shows a demo',
    url: `${base}/`,
    phone: { width: 390, height: 844 },
    lecturerOn: 'demo-run-existing',
  },
];

// No warm pool: the phones are an audience, and the server would start sandboxes ahead for them.
const server = await startServer({ port: PORT, secret: SECRET, env: { LECTURE_GVISOR_RUNTIME: 'off', LECTURE_SANDBOX_POOL: '0' } });
const browser = await launch();
const rows = [];
try {
  for (const c of CASES) {
    const runs = [];
    const lecturer = c.lecturerOn ? await browser.newPage() : undefined;
    if (lecturer) {
      await lecturer.goto(`${base}/presenter?key=${SECRET}`);
      await lecturer.waitFor(`'lectureDeck' in window`);
      await lecturer.evaluate(
        `window.lectureDeck.slide([...document.querySelectorAll('.reveal .slides > section')].findIndex((s) => s.id === '${c.lecturerOn}'))`,
      );
      await lecturer.waitFor(`document.querySelector('section#${c.lecturerOn} [data-terminal-state="ready"]')`, 90_000);
    }
    for (let round = -1; round < ROUNDS; round++) {
      const page = await browser.newPage({ metrics: true, ...(c.phone ? { phone: c.phone } : {}) });
      const t0 = performance.now();
      await page.goto(c.url);
      // The deck answers: reveal is up (its API is out), and on a demo slide the mirror is live.
      await page.waitFor(`'lectureDeck' in window && document.querySelector('.reveal.ready')`);
      if (c.lecturerOn)
        await page.waitFor(`document.querySelector('section#${c.lecturerOn}.present [data-terminal-state="ready"]')`, 60_000);
      const ready = performance.now() - t0;
      // What the page goes on doing once it answers (terminals made ahead, fonts) counts too.
      await sleep(2000);
      const m = await page.metrics();
      const terminals = await page.evaluate(`document.querySelectorAll('.xterm').length`);
      await page.close();
      if (round < 0) continue;
      runs.push({
        ready,
        task: m.TaskDuration * 1000,
        script: m.ScriptDuration * 1000,
        layout: (m.LayoutDuration + m.RecalcStyleDuration) * 1000,
        heap: m.JSHeapUsedSize / 1048576,
        terminals,
      });
      console.log(`${c.name}: ready ${ready.toFixed(0)} ms, main thread ${(m.TaskDuration * 1000).toFixed(0)} ms, ${terminals} terminals`);
    }
    await lecturer?.close();
    const med = (k) =>
      pct(
        runs.map((r) => r[k]),
        50,
      );
    rows.push(
      `| ${c.name} | ${med('ready').toFixed(0)} ms | ${med('task').toFixed(0)} ms | ${med('script').toFixed(0)} ms | ${med('layout').toFixed(0)} ms | ${med('heap').toFixed(1)} MiB | ${med('terminals')} |`,
    );
  }
} finally {
  await browser.close();
  server.kill('SIGTERM');
}

const table = `Measured with \`node bench/load.mjs\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus().length} cores, ${mib(totalmem())}, load average ${loadavg()[0].toFixed(1)} after the run;
headless Chromium, no CPU throttling (a phone's CPU is several times slower: read the figures as ratios), ${ROUNDS} pages per case (after 1 not counted), medians.

| opening the deck | until it answers | main thread, to 2 s after | of it: script | of it: style and layout | JS heap | xterm.js terminals on the page |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}`;
console.log(table);
if (writeBetweenMarkers(join(root, 'docs/benchmarks.md'), 'load', table)) console.log('written to docs/benchmarks.md');
