#!/usr/bin/env node
// The baseline the bench compares the server with: a single node-pty-to-socket stream and
// nothing else (no protocol, no acknowledgements, no screen, no ring), as a minimal web
// terminal does it. `node bench/raw-server.mjs <port> <container>`: the first socket to
// `/?drive` starts `docker exec -it` into the container; every socket sees the output and may
// type. `GET /plain` is a plain xterm.js page on that stream (the rendered baseline): xterm.js
// from node_modules, its default renderer, writing each message as it comes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import pty from 'node-pty';
import { WebSocketServer } from 'ws';

const [port, container] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const files = {
  '/xterm.js': ['text/javascript', readFileSync(require.resolve('@xterm/xterm/lib/xterm.js'))],
  '/xterm.css': ['text/css', readFileSync(require.resolve('@xterm/xterm/css/xterm.css'))],
  // The deck's terminal font, so that both pages shape the same glyphs (a variable web font
  // costs the renderer more than the system's monospace).
  '/mono.woff2': [
    'font/woff2',
    readFileSync(require.resolve('@fontsource-variable/jetbrains-mono/files/jetbrains-mono-latin-wght-normal.woff2')),
  ],
  '/plain': [
    'text/html',
    `<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/xterm.css">
<style>@font-face { font-family: 'JetBrains Mono Variable'; src: url(/mono.woff2) format('woff2'); font-weight: 100 800; }</style>
<body style="margin:0;background:#101418"><div id="t" style="padding:8px"></div>
<script src="/xterm.js"></script>
<script>
  // The geometry of the terminal it is compared with (the bench passes the deck's).
  const q = new URLSearchParams(location.search);
  const term = new Terminal({
    cols: Number(q.get('cols') || 100),
    rows: Number(q.get('rows') || 30),
    fontSize: Number(q.get('font') || 16),
    scrollback: Number(q.get('scrollback') || 1000),
  });
  term.open(document.getElementById('t'));
  // With ?mono=1, the deck's font (loaded first: xterm.js measures cells when the font is set).
  if (q.get('mono')) document.fonts.load('16px "JetBrains Mono Variable"').then(() => {
    term.options.fontFamily = '"JetBrains Mono Variable", monospace';
  });
  const ws = new WebSocket('ws://' + location.host + '/');
  ws.onmessage = (e) => term.write(e.data);
  term.onData((d) => ws.send(d));
  term.focus();
  window.plainTerm = term;
</script>`,
  ],
};
const http = createServer((req, res) => {
  const file = files[(req.url ?? '').split('?')[0]];
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { 'Content-Type': file[0] }).end(file[1]);
});
const wss = new WebSocketServer({ server: http });
let shell;
const sockets = new Set();

wss.on('connection', (ws, request) => {
  sockets.add(ws);
  ws.on('close', () => sockets.delete(ws));
  ws.on('message', (data) => shell?.write(data.toString()));
  if (shell || !request.url?.includes('drive')) return;
  shell = pty.spawn(
    'docker',
    ['exec', '-it', '-u', 'student', '-w', '/home/student', '-e', 'TERM=xterm-256color', container, 'bash', '-l'],
    { name: 'xterm-256color', cols: 100, rows: 30, env: process.env },
  );
  shell.onData((data) => {
    for (const s of sockets) s.send(data);
  });
  shell.onExit(() => {
    for (const s of sockets) s.close();
    shell = undefined;
  });
});
http.listen(Number(port), '127.0.0.1', () => console.log('ready'));
// The bench stops it with SIGTERM: exit as a process does, so that exit handlers (the timing
// probes of BENCH_PROBES) run.
process.on('SIGTERM', () => process.exit(0));
