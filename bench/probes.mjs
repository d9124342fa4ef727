// Timing probes inside a server, for the bench only (`BENCH_PROBES=1`): loaded with
// `node --import ./bench/probes.mjs` into the project's server and the socket baseline alike,
// they time the two legs of a keystroke's round trip that run in the server:
//   - in:  from the socket's message to the key's write to the pty (`fs.writeSync` for the
//          project's PtyWriter, `fs.write` for node-pty's own write in the baseline);
//   - out: from the pty's data to the socket write of the echo (`ws.send` called).
// Between them the key goes through `docker exec`, the engine and the shell, which neither
// server decides. Each probe is a clock read and a push; the figures are medians, printed at
// exit as `probe <leg> p50 <µs> n=<count>` lines that bench/run.mjs collects. They patch `ws`,
// `fs` and `net` prototypes: nothing the product runs with.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import WebSocket from 'ws';

const samples = { in: [], out: [] };
let messageAt = 0;
let inMessage = false;
let dataAt = 0;

const emit = WebSocket.prototype.emit;
WebSocket.prototype.emit = function (event, ...args) {
  if (event !== 'message') return emit.call(this, event, ...args);
  messageAt = performance.now();
  inMessage = true;
  try {
    return emit.call(this, event, ...args);
  } finally {
    inMessage = false;
  }
};

// Only writes made while a message is handled: a key on its way to the pty.
for (const name of ['writeSync', 'write']) {
  const original = fs[name];
  fs[name] = function (...args) {
    if (inMessage) samples.in.push(performance.now() - messageAt);
    return original.apply(this, args);
  };
}
// The server's modules import `writeSync` by name: their bindings follow the patched one.
syncBuiltinESMExports();

// node-pty reads its master through a tty.ReadStream, a net.Socket.
const socketEmit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (event, ...args) {
  if (event === 'data' && this.constructor.name === 'ReadStream') dataAt = performance.now();
  return socketEmit.call(this, event, ...args);
};

const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (...args) {
  // The first socket write after the pty's data, in the same turn (a fan-out's others are not it).
  if (dataAt && performance.now() - dataAt < 5) samples.out.push(performance.now() - dataAt);
  dataAt = 0;
  return send.apply(this, args);
};

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
process.on('exit', () => {
  for (const [leg, values] of Object.entries(samples)) {
    if (values.length > 0) console.log(`probe ${leg} p50 ${(median(values) * 1000).toFixed(1)} n=${values.length}`);
  }
});
