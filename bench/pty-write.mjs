#!/usr/bin/env node
// How a keystroke is written to the pty, measured alone: two minimal relays (WebSocket in, node-pty
// to `docker exec -it` out), identical but for the write, typed into in turns, keystroke by keystroke:
//   - node-pty: `pty.write()`, which goes through `fs.write` on libuv's thread pool (node-pty 1.1);
//   - direct:   the server's PtyWriter, `writeSync` on the pty's non-blocking master.
// The echo is timed from the keystroke's send to its echo on the socket. Figures go to
// docs/benchmarks.md between the pty-write markers.   BENCH_PTY_ECHOES=1500 node bench/pty-write.mjs
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtyWriter, ptyMaster } from '@lecture/containers';
import pty from 'node-pty';
import WebSocket, { WebSocketServer } from 'ws';
import { EXEC, LIMITS, pct, writeBetweenMarkers } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ECHOES = Number(process.env.BENCH_PTY_ECHOES ?? 1500);
const PORT = Number(process.env.BENCH_PORT ?? 8290) + 10;
const WAYS = ['node-pty', 'direct'];

if (process.argv[2] === 'relay') {
  // One relay: `relay <port> <way> <container>`.
  const [, , , port, way, container] = process.argv;
  const wss = new WebSocketServer({ port: Number(port), host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    const shell = pty.spawn('docker', [...EXEC, container, 'bash', '-l'], {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      env: process.env,
    });
    const master = ptyMaster(shell);
    if (way === 'direct' && !master) throw new Error('this node-pty does not expose its master: no direct writes');
    const writer = way === 'direct' && master ? PtyWriter.forDescriptor(master.fd, master.isOpen) : undefined;
    shell.onData((d) => ws.send(d));
    ws.on('message', (d) => (writer ? writer.write(d.toString()) : shell.write(d.toString())));
    ws.on('close', () => shell.kill());
  });
  wss.on('listening', () => console.log('ready'));
} else {
  const container = execFileSync(
    'docker',
    ['run', '-d', '--rm', ...LIMITS, '--label', 'org.lecture.bench=1', 'lecture/sandbox', 'sleep', 'infinity'],
    {
      encoding: 'utf8',
    },
  ).trim();
  const relays = [];
  try {
    for (const [i, way] of WAYS.entries()) {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'relay', String(PORT + i), way, container], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise((r) => child.stdout.once('data', r));
      const ws = new WebSocket(`ws://127.0.0.1:${PORT + i}`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const relay = { way, child, ws, tail: '', wake: undefined, echo: [] };
      ws.on('message', (d) => {
        relay.tail = (relay.tail + d.toString()).slice(-4096);
        relay.wake?.();
      });
      relays.push(relay);
    }
    const until = (relay, test) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${relay.way}: no echo; ends ${JSON.stringify(relay.tail.slice(-80))}`)), 60_000);
        const check = () => {
          if (!test(relay.tail)) return;
          clearTimeout(timer);
          relay.wake = undefined;
          resolve();
        };
        relay.wake = check;
        check();
      });
    for (const relay of relays) await until(relay, (t) => /\$ (\x1b\[\?2004h)?$/.test(t));
    // A warm-up of 100 keystrokes each, not counted; then the two in turns, the first alternating.
    for (let i = -100; i < ECHOES; i++) {
      const mark = String.fromCharCode(97 + (((i % 26) + 26) % 26));
      for (const relay of i % 2 ? [...relays].reverse() : relays) {
        relay.tail = '';
        const t0 = performance.now();
        relay.ws.send(mark);
        await until(relay, (t) => t.includes(mark));
        if (i >= 0) relay.echo.push(performance.now() - t0);
        relay.ws.send('\x7f');
        await until(relay, (t) => t.includes('\b'));
      }
    }
    const [viaPty, direct] = relays;
    const rows = [25, 50, 90, 99].map(
      (p) =>
        `| echo p${p} (ms) | ${pct(viaPty.echo, p).toFixed(3)} | ${pct(direct.echo, p).toFixed(3)} | ${(pct(direct.echo, p) - pct(viaPty.echo, p)).toFixed(3)} ms |`,
    );
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const table = `Measured with \`node bench/pty-write.mjs\` on ${date} UTC: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} after the run;
${ECHOES} keystrokes through each relay, in turns (after 100 not counted), a runc container with the sandbox's limits.

| keystroke → echo through a relay to \`docker exec\` | node-pty's write (thread pool) | direct write (PtyWriter) | difference |
| --- | --- | --- | --- |
${rows.join('\n')}`;
    console.log(`\n${table}\n`);
    if (writeBetweenMarkers(join(root, 'docs/benchmarks.md'), 'pty-write', table)) console.log('written to docs/benchmarks.md');
  } finally {
    for (const relay of relays) {
      relay.ws.close();
      relay.child.kill();
    }
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
  }
}
