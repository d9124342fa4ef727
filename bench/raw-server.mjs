#!/usr/bin/env node
// The baseline the bench compares the server with: a single node-pty-to-socket stream and
// nothing else (no protocol, no acknowledgements, no screen, no ring), as a minimal web
// terminal does it. `node bench/raw-server.mjs <port> <container>`: the first socket to
// `/?drive` starts `docker exec -it` into the container; every socket sees the output.
import pty from 'node-pty';
import { WebSocketServer } from 'ws';

const [port, container] = process.argv.slice(2);
const wss = new WebSocketServer({ port: Number(port), host: '127.0.0.1' });
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
wss.on('listening', () => console.log('ready'));
