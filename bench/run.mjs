#!/usr/bin/env node
// Benchmarks of the real server on the real Docker Engine: `npm run bench`.
// Starts apps/server/dist/main.js as a child process (so its memory is its own), drives it with
// WebSocket clients from this process, and writes the figures to docs/benchmarks.md.
//   BENCH_VIEWERS=100 BENCH_SANDBOXES=20 npm run bench
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LectureClient } from '@lecture/client';
import WebSocket from 'ws';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.BENCH_PORT ?? 8290);
const SECRET = 'bench-presenter-secret-01';
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 100);
const SANDBOXES = Number(process.env.BENCH_SANDBOXES ?? 20);
const base = `http://127.0.0.1:${PORT}`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (v) => `${v.toFixed(0)} ms`;
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** A browser-like client on the project's client: keeps the tail of the screen, acknowledges. */
class Client {
  constructor({ presenter = false, clientId } = {}) {
    this.text = '';
    this.waiters = [];
    this.states = [];
    this.client = new LectureClient({
      url: `ws://127.0.0.1:${PORT}/ws`,
      reconnect: false,
      ...(clientId ? { clientId } : {}),
      socket: (url) => new WebSocket(url, { headers: presenter ? { Authorization: `Bearer ${SECRET}` } : {} }),
    });
    this.ready = this.client.ready();
  }
  wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  open(pane, env = 'sandbox', scope = 'presenter') {
    this.channel = this.client.open(
      { pane, env, scope, size: () => ({ cols: 100, rows: 30 }), ack: 'received' },
      {
        onSnapshot: (m) => {
          this.text = m.data.slice(-4000);
          this.wake();
        },
        onOutput: (data) => {
          this.text = (this.text + data).slice(-4000);
          this.wake();
        },
        onState: (m) => this.states.push(m.state),
        onError: (m) => {
          this.error = m.message;
        },
      },
    );
  }
  input(data) {
    this.channel.send({ type: 'input', data });
  }
  end() {
    this.channel.close(true);
  }
  async until(predicate, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timeout; screen ends ${JSON.stringify(this.text.slice(-120))} ${this.error ?? ''}`);
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  close() {
    this.client.dispose();
  }
}

async function startServer() {
  const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', LECTURE_SECRET: SECRET },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return child;
    } catch {}
    await sleep(100);
  }
  throw new Error('the server did not start');
}

const results = [];
const record = (name, value, note = '') => {
  results.push({ name, value, note });
  console.log(`${name.padEnd(58)} ${value}${note ? `  (${note})` : ''}`);
};

const server = await startServer();
try {
  record('server RSS, idle after start', mib(rss(server.pid)));

  // 1. From "open" to a prompt: a new container and a shell in it.
  const firstPrompt = [];
  for (let i = 0; i < 8; i++) {
    const c = new Client({ presenter: true });
    await c.ready;
    const t0 = performance.now();
    c.open('sandbox');
    await c.until(() => /\$ $/.test(c.text));
    firstPrompt.push(performance.now() - t0);
    c.end();
    c.close();
  }
  record('open → first prompt, sandbox container (median of 8)', ms(pct(firstPrompt, 50)), `p95 ${ms(pct(firstPrompt, 95))}`);

  // 2. Keystroke echo round trip on a warm shell.
  const typist = new Client({ presenter: true });
  await typist.ready;
  typist.open('sandbox');
  await typist.until(() => /\$ $/.test(typist.text));
  const echo = [];
  for (let i = 0; i < 50; i++) {
    const mark = `k${i}x`;
    const t0 = performance.now();
    typist.input(mark);
    await typist.until(() => typist.text.endsWith(mark));
    echo.push(performance.now() - t0);
  }
  typist.input('\x15');
  record('keystroke → echo on screen (median of 50)', ms(pct(echo, 50)), `p95 ${ms(pct(echo, 95))}`);

  // 3. Throughput with flow control: 1,000,000 lines (~6.9 MB) through pty, server and socket.
  const t3 = performance.now();
  typist.input('seq 1 1000000; echo END-$((6*7))\r');
  await typist.until(() => typist.text.includes('END-42'), 300_000);
  const seconds = (performance.now() - t3) / 1000;
  record('throughput to one presenter, acknowledged', `${(6.89 / seconds).toFixed(1)} MB/s`, `${seconds.toFixed(1)} s for 6.9 MB`);
  record('server RSS after that output', mib(rss(server.pid)));

  // 4. Mirror fan-out: VIEWERS audience sockets on the presenter's pane.
  const viewers = [];
  for (let i = 0; i < VIEWERS; i++) {
    const v = new Client();
    viewers.push(v);
  }
  await Promise.all(viewers.map((v) => v.ready));
  const tJoin = performance.now();
  for (const v of viewers) v.open('sandbox');
  await Promise.all(viewers.map((v) => v.until(() => v.text.includes('END-42'))));
  record(`${VIEWERS} late joiners: all show the current screen`, ms(performance.now() - tJoin));
  const fanout = [];
  for (let round = 0; round < 5; round++) {
    const mark = `fan-${round}-${Date.now()}`;
    const t0 = performance.now();
    typist.input(`echo ${mark}\r`);
    await Promise.all(
      viewers.map(async (v) => {
        await v.until(() => v.text.includes(`${mark}\r\n`));
        fanout.push(performance.now() - t0);
      }),
    );
  }
  record(`presenter output → all ${VIEWERS} viewers (p50 / p95 / max)`, `${ms(pct(fanout, 50))} / ${ms(pct(fanout, 95))} / ${ms(Math.max(...fanout))}`);
  record(`server RSS with ${VIEWERS} viewers`, mib(rss(server.pid)));
  for (const v of viewers) v.close();
  typist.close();

  // 5. A burst of students opening sandboxes at the same moment (queued, two at a time).
  const students = [];
  for (let i = 0; i < SANDBOXES; i++) students.push(new Client({ clientId: `bench-student-${String(i).padStart(8, '0')}` }));
  await Promise.all(students.map((s) => s.ready));
  const tBurst = performance.now();
  for (const s of students) s.open('my-sandbox', 'sandbox', 'sandbox');
  const readyAt = await Promise.all(
    students.map(async (s) => {
      await s.until(() => /\$ $/.test(s.text), 600_000);
      return performance.now() - tBurst;
    }),
  );
  record(`${SANDBOXES} sandboxes requested at once: first / median / last ready`, `${ms(Math.min(...readyAt))} / ${ms(pct(readyAt, 50))} / ${ms(Math.max(...readyAt))}`);
  record(`server RSS with ${SANDBOXES} sandboxes`, mib(rss(server.pid)));
  for (const s of students) {
    s.end();
    s.close();
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

const date = new Date().toISOString().slice(0, 10);
const table = results.map((r) => `| ${r.name} | ${r.value} | ${r.note} |`).join('\n');
const doc = `# Benchmarks

Measured with \`npm run bench\` (bench/run.mjs) on ${date}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}),
${mib(totalmem())} of memory, Docker Engine on the same machine, the server as a child process, clients
from the bench process over loopback. Each client acknowledges output as the browser does.

| what | figure | note |
| --- | --- | --- |
${table}

How to read them:
- *open → first prompt* is what a lecturer waits for when a terminal slide first appears: creating
  and starting a container and \`docker exec\` of a login shell in it.
- *throughput* is bounded by flow control: the pty is paused while the presenter's browser has
  more than 100 000 unacknowledged characters, so the server never buffers a flood.
- *fan-out* is the time from the presenter's keystroke to the output on the last of the viewers.
- the *sandbox burst* starts two containers at a time (\`startConcurrency\`), so the last student
  waits longest; the server never starts them all at once.
`;
writeFileSync(join(root, 'docs/benchmarks.md'), doc);
console.log('\nwritten to docs/benchmarks.md');
