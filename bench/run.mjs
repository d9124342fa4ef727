#!/usr/bin/env node
// Benchmarks of the real server on the real Docker Engine, side by side with the raw pipe:
// `npm run bench`. In one run, interleaved round by round, the same work goes through
//   - raw:     node-pty straight to `docker exec -it` in this process (no web layer at all);
//   - socket:  bench/raw-server.mjs, a single node-pty-to-WebSocket stream (the least a web
//              terminal can do: no protocol, no acknowledgements, no screen copy);
//   - project: apps/server/dist/main.js, through @lecture/client, acknowledging as the browser.
// Each runs in a container with the sandbox's limits. Figures and ratios go to docs/benchmarks.md.
//   BENCH_ROUNDS=3 BENCH_LINES=400000 BENCH_VIEWERS=100,1000 BENCH_PORT=8290 npm run bench
// Two aids when changing the server (neither rewrites the docs):
//   BENCH_COMPARE=<dir>  a fourth shell, another build of the server (a checkout made by
//                        `node bench/checkout.mjs <rev> <dir>`), in the same interleaved
//                        throughput and echo rounds: before and after, side by side;
//   BENCH_PROBES=1       the servers time the two legs of an echo inside them (bench/probes.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LectureClient } from '@lecture/client';
import pty from 'node-pty';
import WebSocket from 'ws';
import { launch } from './cdp.mjs';
import { EXEC, LIMITS, mib, pct, writeBetweenMarkers } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.BENCH_PORT ?? 8290);
const RAW_PORT = PORT + 1;
const SECRET = 'bench-presenter-secret-01';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * Rounds run first and not counted: on this machine the first floods after a start are up to 4×
 * slower for all three (the engine's, the JIT's and the page cache's warm-up), which made the
 * medians a measure of warm-up rather than of the web layer.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const LINES = Number(process.env.BENCH_LINES ?? 400_000);
const ECHOES = Number(process.env.BENCH_ECHOES ?? 300);
const VIEWERS = (process.env.BENCH_VIEWERS ?? '100,1000').split(',').map(Number).filter(Boolean);
/**
 * Rounds of the rendered comparison, after one per page that is not counted (the first paint of
 * a flood warms the page's JIT and glyph atlas): about two seconds each.
 */
const RENDER_ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 10);
/**
 * Lines of the rendered comparison (Chromium paints them all); 0 skips it. A million (6.9 MB),
 * as the issue measured: a flood of seconds, whose rate is the sustained one, where 200 000
 * lines (half a second) were much the start of a flood and moved ±30% from round to round.
 */
const RENDER_LINES = Number(process.env.BENCH_RENDER_LINES ?? 1_000_000);
/** Ctrl+C during an endless flood, per page, after the rendered rounds. */
const INTERRUPTS = Number(process.env.BENCH_INTERRUPTS ?? 5);
/** The deck's slide whose presenter terminal the rendered comparison types into. */
const RENDER_SLIDE = 'try-sandbox';
/** Another build of the server to run beside this one (see the top of this file). */
const COMPARE = process.env.BENCH_COMPARE;
if (COMPARE && !existsSync(join(COMPARE, 'apps/server/dist/main.js'))) {
  throw new Error(`BENCH_COMPARE=${COMPARE} holds no built server: make one with node bench/checkout.mjs <rev> ${COMPARE}`);
}
const PROBES = process.env.BENCH_PROBES === '1';
/** Timing lines the servers print at exit (bench/probes.mjs), by server. */
const probeLines = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => pct(v, 50);
const TICK_MS = 1000 / 100; // /proc/<pid>/stat counts clock ticks (USER_HZ = 100)

function rss(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}
/** CPU time (user + system) of a process, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** The expected output of the throughput command, byte for byte, between its markers. */
const expected = (() => {
  let s = '';
  for (let i = 1; i <= LINES; i++) s += `${i}\r\n`;
  return s;
})();
const FLOOD = `echo BEG-$((1+1)); seq 1 ${LINES}; echo END-$((6*7))\r`;
/** Byte-exact: everything between the markers is exactly the lines, the last ones included. */
function exact(text) {
  const start = text.lastIndexOf('BEG-2\r\n');
  const end = text.lastIndexOf('END-42');
  return start >= 0 && end > start && text.slice(start + 7, end) === expected;
}

// ---------------------------------------------------------------------------------------------
// The three ways to a shell, one interface: write, wait for text, the text so far, close.
// ---------------------------------------------------------------------------------------------

/** What a shell printed: kept whole (for the byte-exact check) and as a short tail that waits test. */
class Waiting {
  constructor() {
    this.chunks = [];
    this.tail = '';
    this.waiters = [];
  }
  push(data) {
    this.chunks.push(data);
    this.tail = (this.tail + data).slice(-8192);
    for (const w of this.waiters.splice(0)) w();
  }
  reset() {
    this.chunks = [];
    this.tail = '';
  }
  get text() {
    return this.chunks.join('');
  }
  /** Waits until `test(tail)` holds: cheap per chunk, so the waiting costs no CPU per byte. */
  async until(test, timeoutMs = 300_000) {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.tail)) {
      if (Date.now() > deadline) throw new Error(`timeout; ends ${JSON.stringify(this.tail.slice(-120))}`);
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

function rawShell(container) {
  const w = new Waiting();
  const p = pty.spawn('docker', [...EXEC, container, 'bash', '-l'], { name: 'xterm-256color', cols: 100, rows: 30, env: process.env });
  p.onData((d) => w.push(d));
  return { name: 'raw pipe', w, write: (d) => p.write(d), close: () => p.kill(), pid: process.pid };
}

async function socketShell(url) {
  const w = new Waiting();
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('message', (d) => w.push(d.toString()));
  return { name: 'socket', w, write: (d) => ws.send(d), close: () => ws.close() };
}

async function projectShell({ presenter = true, pane = 'sandbox', port = PORT, name = 'project' } = {}) {
  const w = new Waiting();
  const client = new LectureClient({
    url: `ws://127.0.0.1:${port}/ws`,
    reconnect: false,
    socket: (url) => new WebSocket(url, { headers: presenter ? { Authorization: `Bearer ${SECRET}` } : {} }),
  });
  await client.ready();
  const channel = client.open(
    { pane, env: 'sandbox', size: () => ({ cols: 100, rows: 30 }), ack: 'received' },
    { onSnapshot: (m) => w.push(m.data), onOutput: (d) => w.push(d) },
  );
  return { name, w, write: (d) => channel.send({ type: 'input', data: d }), close: () => client.dispose(), channel, client };
}

/** The prompt is back (bash may have switched bracketed paste on after it). */
const prompt = (t) => /\$ (\x1b\[\?2004h)?$/.test(t);

// ---------------------------------------------------------------------------------------------

async function startChild(args, env, ready, { cwd = root, name = args[0] } = {}) {
  const probes = PROBES ? ['--import', join(root, 'bench/probes.mjs')] : [];
  const child = spawn(process.execPath, [...probes, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out = (out + d.toString()).slice(-1000);
    for (const line of d.toString().split('\n')) if (line.startsWith('probe ')) probeLines.push(`${name}: ${line.slice(6)}`);
  });
  child.on('exit', (code, signal) => console.log(`${args[0]} exited (${code ?? signal})`));
  let failed;
  child.on('error', (error) => (failed = error));
  for (let i = 0; i < 600 && !failed; i++) {
    if (await ready(out).catch(() => false)) return child;
    await sleep(100);
  }
  child.kill('SIGTERM');
  throw new Error(`${args[0]} did not start${failed ? `: ${failed.message}` : ''}`);
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mib(totalmem())}`;
const loadBefore = loadavg()[0];
console.log(`machine: ${machine}; load average ${loadBefore.toFixed(1)}`);

const container = execFileSync(
  'docker',
  ['run', '-d', '--rm', ...LIMITS, '--label', 'org.lecture.bench=1', 'lecture/sandbox', 'sleep', 'infinity'],
  {
    encoding: 'utf8',
  },
).trim();
// Runc for the project's pane too, as for the two baselines' container: this compares the web
// layers. (Under gVisor, the deck's sandbox default, a tty moves about 0.6 MB/s whatever is in
// front of it: bench/sandboxes.mjs measures the runtimes.)
/** The real server, from this checkout or another (BENCH_COMPARE), on `port`. */
const startServer = (port, options) =>
  startChild(
    ['apps/server/dist/main.js'],
    // No warm pool: the fan-out's viewers are an audience, and the deck's server would then start
    // sandboxes ahead for them, one every second, during the rendered rounds that follow.
    { PORT: String(port), HOST: '127.0.0.1', LECTURE_SECRET: SECRET, LECTURE_GVISOR_RUNTIME: 'off', LECTURE_SANDBOX_POOL: '0' },
    async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok,
    options,
  );
const COMPARE_PORT = PORT + 2;
/** The servers, once started: a start that fails still stops the others and removes the container. */
let server;
let compareServer;
let rawServer;
const results = { throughput: {}, cpuPerMB: {}, rss: {}, echo: {}, fanout: {}, rendered: {}, interrupt: {} };
const add = (table, name, value) => {
  table[name] ??= [];
  table[name].push(value);
};

try {
  server = await startServer(PORT, { name: 'project' });
  compareServer = COMPARE ? await startServer(COMPARE_PORT, { cwd: COMPARE, name: 'compare' }) : undefined;
  rawServer = await startChild(['bench/raw-server.mjs', String(RAW_PORT), container], {}, async (out) => out.includes('ready'), {
    name: 'socket',
  });
  const raw = rawShell(container);
  const sock = await socketShell(`ws://127.0.0.1:${RAW_PORT}/?drive`);
  const proj = await projectShell();
  const compare = compareServer ? await projectShell({ port: COMPARE_PORT, name: 'compare' }) : undefined;
  const shells = [raw, sock, proj, ...(compare ? [compare] : [])];
  for (const s of shells) await s.w.until(prompt, 120_000);
  const pidOf = { 'raw pipe': process.pid, socket: rawServer.pid, project: server.pid, compare: compareServer?.pid };

  // 1. Throughput, byte-exact, with the CPU each server spent per MB and its RSS under the flood.
  const megabytes = Buffer.byteLength(expected) / 1e6;
  for (let round = -WARMUP; round < ROUNDS; round++) {
    const turn = ((round % shells.length) + shells.length) % shells.length;
    const order = [...shells.slice(turn), ...shells.slice(0, turn)];
    for (const s of order) {
      s.w.reset();
      const pid = pidOf[s.name];
      const cpu0 = s.name === 'raw pipe' ? process.cpuUsage() : cpuMs(pid);
      let peak = rss(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 100);
      const t0 = performance.now();
      s.write(FLOOD);
      await s.w.until((t) => t.includes('END-42') && prompt(t));
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const cpu =
        s.name === 'raw pipe'
          ? (() => {
              const u = process.cpuUsage(cpu0);
              return (u.user + u.system) / 1000;
            })()
          : cpuMs(pid) - cpu0;
      if (!exact(s.w.text)) throw new Error(`${s.name}: the output was not byte-exact`);
      if (round < 0) {
        console.log(`warm-up ${s.name.padEnd(8)} ${(megabytes / seconds).toFixed(2)} MB/s`);
        continue;
      }
      add(results.throughput, s.name, megabytes / seconds);
      add(results.cpuPerMB, s.name, cpu / megabytes);
      add(results.rss, s.name, peak);
      console.log(
        `round ${round + 1} ${s.name.padEnd(8)} ${(megabytes / seconds).toFixed(2)} MB/s, ${(cpu / megabytes).toFixed(0)} ms CPU/MB, RSS ${mib(peak)}`,
      );
    }
  }

  // 2. Keystroke echo: one character, until it is back; interleaved sample by sample.
  for (let i = 0; i < ECHOES; i++) {
    // With another build beside this one, the two take turns at going first.
    const order = compare && i % 2 === 1 ? [raw, sock, compare, proj] : shells;
    for (const s of order) {
      const mark = String.fromCharCode(97 + (i % 26));
      s.w.reset();
      const t0 = performance.now();
      s.write(mark);
      await s.w.until((t) => t.includes(mark), 10_000);
      add(results.echo, s.name, performance.now() - t0);
      s.write('\x7f');
      await s.w.until((t) => t.includes('\b'), 10_000);
    }
  }
  if (ECHOES) console.log(`echo p50: ${shells.map((s) => `${s.name} ${median(results.echo[s.name]).toFixed(2)} ms`).join(', ')}`);

  // 3. Fan-out: N viewers of the presenter's pane (project) and of the raw socket stream.
  for (const n of VIEWERS) {
    const viewers = { socket: [], project: [] };
    for (let i = 0; i < n; i++) {
      viewers.socket.push(socketShell(`ws://127.0.0.1:${RAW_PORT}`));
      viewers.project.push(projectShell({ presenter: false }));
      if (i % 50 === 49) await sleep(50);
    }
    viewers.socket = await Promise.all(viewers.socket);
    viewers.project = await Promise.all(viewers.project);
    await Promise.all(viewers.project.map((v) => v.w.until(prompt, 120_000)));
    for (let round = 0; round < 3; round++) {
      for (const [name, driver] of [
        ['socket', sock],
        ['project', proj],
      ]) {
        const mark = `fan${round}x${n}`;
        for (const v of viewers[name]) v.w.reset();
        const t0 = performance.now();
        driver.write(`echo ${mark}-$((1+1))\r`);
        await Promise.all(viewers[name].map((v) => v.w.until((t) => t.includes(`${mark}-2\r\n`), 120_000)));
        add(results.fanout, `${name} ${n}`, performance.now() - t0);
      }
    }
    console.log(
      `fan-out to ${n}: socket ${median(results.fanout[`socket ${n}`]).toFixed(0)} ms, project ${median(results.fanout[`project ${n}`]).toFixed(0)} ms`,
    );
    for (const v of [...viewers.socket, ...viewers.project]) v.close();
    await sleep(500);
  }
  proj.channel.close(true);
  compare?.channel.close(true);
  for (const s of shells) s.close();

  // 4. Rendered in headless Chromium: `seq` typed into the real deck's presenter terminal, until
  // its last line is painted, against a plain xterm.js page fed over the raw socket.
  if (RENDER_LINES > 0) await rendered();
} finally {
  const exited = (child) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  for (const child of [server, rawServer, compareServer]) child?.kill('SIGTERM');
  // Their exits print the probes' figures (BENCH_PROBES), and remove their containers.
  await Promise.all([server, rawServer, compareServer].map((child) => child && exited(child)));
  execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
}

/**
 * Section 4: both pages typed into as a user would, timed from Enter to the last line painted;
 * then Ctrl+C in the middle of an endless flood, timed until the prompt is painted (what flow
 * control is for: the plain page has none). Chromium is driven over the DevTools protocol with
 * nothing else attached (bench/cdp.mjs), as no student's browser has DevTools open.
 */
async function rendered() {
  const browser = await launch({ width: 1920, height: 1080 });
  try {
    const deck = await browser.newPage();
    await deck.goto(`http://127.0.0.1:${PORT}/presenter?key=${SECRET}`);
    await deck.waitFor(`'lectureDeck' in window`);
    await deck.evaluate(`(() => {
      const index = [...document.querySelectorAll('.reveal .slides > section')].findIndex((s) => s.id === '${RENDER_SLIDE}');
      window.lectureDeck.slide(index);
    })()`);
    await deck.waitFor(`document.querySelector('section#${RENDER_SLIDE} [data-terminal-state="ready"]')`);
    // The plain page gets the deck terminal's geometry: the same cells to paint, the same scrollback.
    const geometry = await deck.evaluate(`(() => {
      const pane = document.querySelector('section#${RENDER_SLIDE} [data-pane][data-cols]');
      const xterm = pane?.querySelector('.xterm-rows');
      return { cols: pane?.dataset.cols, rows: pane?.dataset.rows, font: xterm ? Number.parseFloat(getComputedStyle(xterm).fontSize) : 16 };
    })()`);
    const plain = await browser.newPage();
    await plain.goto(
      `http://127.0.0.1:${RAW_PORT}/plain?cols=${geometry.cols}&rows=${geometry.rows}&font=${geometry.font}&scrollback=5000&mono=1`,
    );
    // Both in the deck's font (JetBrains Mono, a variable web font): shaping it costs the
    // renderer more than the system's monospace, and the comparison is of the web layers.
    await plain.waitFor(`getComputedStyle(document.querySelector('.xterm-rows')).fontFamily.includes('JetBrains')`);
    console.log(`rendered: both terminals ${geometry.cols}×${geometry.rows} at ${geometry.font} px, scrollback 5000, JetBrains Mono`);
    const targets = [
      { name: 'plain', page: plain, rows: '.xterm-rows', focus: '.xterm' },
      { name: 'deck', page: deck, rows: `section#${RENDER_SLIDE} .xterm-rows`, focus: `section#${RENDER_SLIDE} .terminal-pane__host` },
    ];
    // The rows element is looked up once, not at every frame: in the deck's document (3 600
    // elements, changing at every frame of a flood) the lookup cost the deck's main thread about
    // 2 ms per MB that the plain page (70 elements) did not pay.
    const screen = (t) =>
      `((window.benchRows?.isConnected ? window.benchRows : (window.benchRows = document.querySelector(${JSON.stringify(t.rows)})))?.textContent ?? '')`;
    /** Focused, with a clean screen and a fresh prompt (the plain page joined a shell whose prompt is old). */
    const ready = async (t) => {
      await t.page.bringToFront();
      await t.page.click(t.focus);
      await t.page.type('clear');
      await t.page.press('Enter');
      await t.page.waitFor(`/^\\S*\\$ $/.test(${screen(t)}.trim() + ' ')`, 60_000);
    };
    /** The two pages in turn, the order swapped every round (neither always goes first). */
    const inTurn = (round) => (round % 2 ? [...targets].reverse() : targets);
    const megabytes = Buffer.byteLength(`${Array.from({ length: RENDER_LINES }, (_, i) => i + 1).join('\r\n')}\r\n`) / 1e6;
    for (let round = -1; round < RENDER_ROUNDS; round++) {
      for (const t of inTurn(round)) {
        await ready(t);
        // A marker of this round only: the painted screen must not match an earlier one.
        const marker = `END${round}${t.name}-`;
        await t.page.type(`seq 1 ${RENDER_LINES}; echo ${marker}$((6*7))`);
        const t0 = performance.now();
        await t.page.press('Enter');
        await t.page.waitFor(`${screen(t)}.includes('${marker}42')`, 300_000);
        const seconds = (performance.now() - t0) / 1000;
        if (round < 0) {
          console.log(`rendered warm-up ${t.name.padEnd(5)} ${(megabytes / seconds).toFixed(2)} MB/s`);
          continue;
        }
        add(results.rendered, t.name, megabytes / seconds);
        console.log(`rendered round ${round + 1} ${t.name.padEnd(5)} ${(megabytes / seconds).toFixed(2)} MB/s`);
      }
    }
    for (let round = 0; round < INTERRUPTS; round++) {
      for (const t of inTurn(round)) {
        await ready(t);
        await t.page.type('seq 1 1000000000');
        await t.page.press('Enter');
        await sleep(1500);
        const t0 = performance.now();
        await t.page.press('Control+c');
        await t.page.waitFor(`/\\^C\\s*\\S*\\$\\s*$/.test(${screen(t)})`, 120_000);
        const ms = performance.now() - t0;
        add(results.interrupt, t.name, ms);
        console.log(`ctrl+c round ${round + 1} ${t.name.padEnd(5)} ${ms.toFixed(0)} ms to the prompt`);
      }
    }
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------------

const loadAfter = loadavg()[0];
const m = (table, name) => median(table[name]);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const rows = [
  ['throughput, byte-exact (MB/s, higher is better)', 'throughput', (v) => v.toFixed(2), 'raw pipe', '≥ 0.9× raw'],
  ['server CPU per MB (ms)', 'cpuPerMB', (v) => v.toFixed(0), 'socket', '≤ 1.5× socket'],
  ['RSS under the flood', 'rss', (v) => mib(v), 'socket', ''],
];
const lines = [];
for (const [label, key, fmt, base, target] of rows) {
  const t = results[key];
  if (!t.project) continue; // a section skipped (BENCH_ROUNDS=0)
  lines.push(
    `| ${label} | ${fmt(m(t, 'raw pipe'))} | ${fmt(m(t, 'socket'))} | ${fmt(m(t, 'project'))} | ${ratio(m(t, 'project'), m(t, base))} of ${base} | ${target} |`,
  );
}
const e = results.echo;
for (const p of e.project ? [50, 99] : []) {
  const [r, s, pr] = ['raw pipe', 'socket', 'project'].map((n) => pct(e[n], p));
  lines.push(
    `| keystroke echo p${p} (ms) | ${r.toFixed(2)} | ${s.toFixed(2)} | ${pr.toFixed(2)} | ${(pr - r) >= 0 ? '+' : ''}${(pr - r).toFixed(2)} ms vs raw | ${p === 50 ? '≤ +0.3 ms' : ''} |`,
  );
}
for (const n of VIEWERS) {
  const s = m(results.fanout, `socket ${n}`);
  const pr = m(results.fanout, `project ${n}`);
  lines.push(`| fan-out: keystroke → ${n} viewers, last one (ms) | – | ${s.toFixed(0)} | ${pr.toFixed(0)} | ${ratio(pr, s)} of socket | |`);
}
if (results.rendered.plain) {
  const pl = m(results.rendered, 'plain');
  const dk = m(results.rendered, 'deck');
  // Round by round (the two pages back to back), the ratio drifts less than the rates do: the
  // same page's rate moved 2× between rounds here.
  const paired = results.rendered.deck.map((d, i) => d / results.rendered.plain[i]);
  lines.push(
    `| rendered in Chromium, \`seq 1 ${RENDER_LINES}\` until painted (MB/s): plain xterm.js page (socket) vs the deck (project) | – | ${pl.toFixed(2)} | ${dk.toFixed(2)} | ${ratio(dk, pl)} of plain page; round by round ${median(paired).toFixed(2)}× (${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}) | ≥ 1.0× plain |`,
  );
}
if (results.interrupt.plain) {
  const pl = m(results.interrupt, 'plain');
  const dk = m(results.interrupt, 'deck');
  lines.push(
    `| Ctrl+C in an endless \`seq\`, until the prompt is painted (ms): plain page (no flow control) vs the deck | – | ${pl.toFixed(0)} | ${dk.toFixed(0)} (at most ${Math.max(...results.interrupt.deck).toFixed(0)}) | ${ratio(dk, pl)} of plain page | |`,
  );
}
const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
const table = `Measured with \`npm run bench\` (bench/run.mjs) on ${date} UTC: ${machine}, Docker Engine on the
same machine, load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after the run. ${ROUNDS} interleaved rounds (after ${WARMUP} not counted) of
\`seq 1 ${LINES}\` (${(Buffer.byteLength(expected) / 1e6).toFixed(2)} MB), ${ECHOES} echoes each, ${RENDER_ROUNDS} rendered rounds per page (after 1 not counted), medians.

| what | raw pipe | socket | project | ratio | target |
| --- | --- | --- | --- | --- | --- |
${lines.join('\n')}`;
console.log(`\n${table}\n`);
if (COMPARE) {
  // Before and after, side by side: the other build against this one, in the same rounds.
  const line = (label, key, fmt, p = 50) => {
    const t = results[key];
    if (!t.compare) return;
    const [a, b] = [pct(t.compare, p), pct(t.project, p)];
    console.log(`${label}: compare ${fmt(a)}, project ${fmt(b)} (${b - a >= 0 ? '+' : ''}${fmt(b - a)})`);
  };
  console.log(`BENCH_COMPARE=${COMPARE} (compare) against this checkout (project):`);
  line('throughput (MB/s)', 'throughput', (v) => v.toFixed(2));
  line('server CPU per MB (ms)', 'cpuPerMB', (v) => v.toFixed(0));
  line('echo p50 (ms)', 'echo', (v) => v.toFixed(3));
  line('echo p99 (ms)', 'echo', (v) => v.toFixed(3), 99);
}
if (probeLines.length > 0)
  console.log(
    `Inside the servers (µs from the message to the pty write, in; from the pty's data to the socket write, out):\n${probeLines.join('\n')}`,
  );
if (COMPARE || PROBES) console.log('(BENCH_COMPARE or BENCH_PROBES: the docs are left as they are)');
else if (writeBetweenMarkers(join(root, 'docs/benchmarks.md'), 'bench', table)) console.log('written to docs/benchmarks.md');
