import type { AddressInfo } from 'node:net';
import { FakeBackend, type FakeShell, testEnvironment } from '@lecture/containers';
import { CloseCode, FlowControl, Limits, PROTOCOL_VERSION, WS_PATH, encode } from '@lecture/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type LectureServer, startLectureServer } from '../../../apps/server/src/app.js';
import { type ConnectionStatus, LectureClient, OUTPUT_SLICE_CHARS, type PaneEvents, type SocketFactory } from './index.js';

const SECRET = 'client-test-secret-0123';
const panes = new Map([['demo', 'sandbox']]);

let server: LectureServer | undefined;
let backend: FakeBackend;
const owned: { dispose(): void }[] = [];

afterEach(async () => {
  for (const o of owned.splice(0)) o.dispose();
  await server?.close();
  server = undefined;
});

async function start(port = 0): Promise<LectureServer> {
  backend = new FakeBackend();
  server = await startLectureServer({ backend, environments: [testEnvironment()], secret: SECRET, port, host: '127.0.0.1', panes });
  return server;
}

/** Node's `ws` behind the client's socket seam; keeps every socket so a test can cut one. */
function sockets(headers: Record<string, string> = {}): { factory: SocketFactory; all: WebSocket[] } {
  const all: WebSocket[] = [];
  return {
    all,
    factory: (url) => {
      const ws = new WebSocket(url, { headers });
      all.push(ws);
      return ws;
    },
  };
}

function client(port: number, options: { presenter?: boolean; socket?: SocketFactory } = {}): LectureClient {
  const c = new LectureClient({
    url: `ws://127.0.0.1:${port}${WS_PATH}`,
    socket: options.socket ?? sockets(options.presenter ? { Authorization: `Bearer ${SECRET}` } : {}).factory,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  owned.push(c);
  return c;
}

async function listening(): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  owned.push({ dispose: () => wss.close() });
  await new Promise((resolve) => wss.once('listening', resolve));
  return { wss, port: (wss.address() as AddressInfo).port };
}

async function until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A pane's events, recorded: the screen as the concatenation of snapshots and output. */
function recorder() {
  const r = {
    screen: '',
    opened: [] as { resume: string; reset: boolean; session: string }[],
    states: [] as string[],
    disconnects: [] as ConnectionStatus[],
    errors: [] as string[],
    events: {} as PaneEvents,
  };
  r.events = {
    onOpened: (m, reset) => {
      r.opened.push({ resume: m.resume, reset, session: m.session });
      if (reset) r.screen = '';
    },
    onSnapshot: (m) => {
      r.screen = m.data;
    },
    onOutput: (data) => {
      r.screen += data;
    },
    onState: (m) => r.states.push(m.state),
    onError: (m) => r.errors.push(m.code),
    onDisconnected: (status) => r.disconnects.push(status),
  };
  return r;
}

function liveShell(): FakeShell {
  const shells = [...backend.shells].filter((s) => !s.disposed);
  expect(shells).toHaveLength(1);
  return shells[0] as FakeShell;
}

describe('LectureClient against the real server (fake backend)', () => {
  it('says hello and learns its role; the id it keeps is the one it sent', async () => {
    const s = await start();
    const p = client(s.port, { presenter: true });
    const a = client(s.port);
    expect((await p.ready()).role).toBe('presenter');
    expect((await a.ready()).role).toBe('audience');
    expect(a.status).toBe('open');
    expect(a.clientId).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('opens a pane, types into it and sees the echo', async () => {
    const s = await start();
    const p = client(s.port, { presenter: true });
    const r = recorder();
    const channel = p.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' }, r.events);
    await until(() => r.states.includes('ready') && r.screen.endsWith('$ '), 'the prompt');
    expect(r.opened[0]).toMatchObject({ resume: 'fresh', reset: true });
    expect(channel.send({ type: 'input', data: 'echo hi\r' })).toBe(true);
    await until(() => r.screen.includes('echo hi\r\n'), 'the echo');
    expect(liveShell().written).toBe('echo hi\r');
  });

  it('takes output frames in the form the platform hands them: a Blob default is switched to ArrayBuffer, a Buffer kept', async () => {
    const s = await start();
    const seen: string[] = [];
    const made: WebSocket[] = [];
    // Blob: a browser's default, which would have to be read asynchronously (ws has it too).
    const blobFirst: SocketFactory = (url) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${SECRET}` } });
      ws.binaryType = 'blob';
      ws.on('message', (data, isBinary) => {
        if (isBinary) seen.push(ws.binaryType === 'arraybuffer' ? (data instanceof ArrayBuffer ? 'ArrayBuffer' : 'other') : ws.binaryType);
      });
      made.push(ws);
      return ws;
    };
    const r = recorder();
    const p = client(s.port, { socket: blobFirst });
    p.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' }, r.events);
    await until(() => r.screen.endsWith('$ '), 'the prompt');
    liveShell().emit('from a blob-default socket\r\n');
    await until(() => r.screen.includes('from a blob-default socket'), 'the output');
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['ArrayBuffer']));
    // Node's ws: its Buffer is taken as it is (no copy into an ArrayBuffer).
    const { factory, all } = sockets({ Authorization: `Bearer ${SECRET}` });
    const r2 = recorder();
    const q = client(s.port, { socket: factory });
    q.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' }, r2.events);
    await until(() => r2.screen.includes('from a blob-default socket'), 'the screen');
    expect(all[0]?.binaryType).toBe('nodebuffer');
    expect(made[0]?.binaryType).toBe('arraybuffer');
  });

  describe('pastes: chunked and paced within the server’s input bucket', () => {
    /** The presenter's pane at its prompt, recording what the pane is told about refused input. */
    async function presenterPane(socket?: SocketFactory) {
      const s = await start();
      const p = client(s.port, socket ? { socket } : { presenter: true });
      const r = recorder();
      const refused: string[] = [];
      const channel = p.open(
        { pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' },
        { ...r.events, onInputRefused: (m) => refused.push(m) },
      );
      await until(() => r.screen.endsWith('$ '), 'the prompt');
      return { p, r, refused, channel };
    }

    it('a paste past the server’s burst reaches the shell whole and in order, with what was typed after it', async () => {
      const { p, r, refused, channel } = await presenterPane();
      const shell = liveShell();
      // Past the burst (256 Ki) the server refuses input faster than its rate: sent as one
      // frame, or unpaced, this would be an `input-limit` error and a lost paste.
      let paste = '';
      for (let i = 0; paste.length < Limits.INPUT_BURST_CHARS + 100_000; i++) paste += `line ${i} é漢字🙂\n`;
      expect(channel.input(paste)).toBe(true);
      expect(channel.input('typed after\r')).toBe(true);
      await until(() => shell.written.length === paste.length + 'typed after\r'.length, 'the whole paste', 20_000);
      expect(shell.written).toBe(`${paste}typed after\r`);
      expect(r.errors).toEqual([]);
      expect(refused).toEqual([]);
      expect(p.status).toBe('open');
    }, 30_000);

    it('a paste over the limit is refused whole, and the pane says so', async () => {
      const { refused, channel } = await presenterPane();
      expect(channel.input('x'.repeat(Limits.MAX_PASTE_CHARS + 1))).toBe(false);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatch(/too large .*nothing was sent/);
      await new Promise((r) => setTimeout(r, 50));
      expect(liveShell().written).toBe('');
    });

    it('a connection that drops during a paste says how much of it was not sent', async () => {
      const net = sockets({ Authorization: `Bearer ${SECRET}` });
      const { p, refused, channel } = await presenterPane(net.factory);
      const shell = liveShell();
      const paste = 'y'.repeat(Limits.INPUT_BURST_CHARS * 2);
      channel.input(paste);
      // The burst went at once; the rest waits for the bucket. Cut the connection meanwhile.
      await until(() => shell.written.length > 0, 'the first part');
      net.all[0]?.terminate();
      await until(() => refused.length === 1, 'the notice', 10_000);
      const lost = Number((refused[0]?.match(/last ([\d,]+) characters/)?.[1] ?? '').replace(/,/g, ''));
      expect(lost).toBeGreaterThan(0);
      // What reached the shell is the paste's beginning, in order; frames still in flight when
      // the socket died are lost too (the notice counts what was never sent), and nothing of
      // the rest follows over the reconnected socket.
      await until(() => p.status === 'open', 'the reconnection');
      await new Promise((r) => setTimeout(r, 300));
      expect(paste.startsWith(shell.written)).toBe(true);
      expect(shell.written.length + lost).toBeLessThanOrEqual(paste.length);
    }, 20_000);
  });

  it('reconnects after a drop and resumes exactly: nothing lost, nothing twice', async () => {
    const s = await start();
    const net = sockets({ Authorization: `Bearer ${SECRET}` });
    const p = client(s.port, { socket: net.factory });
    const r = recorder();
    const statuses: ConnectionStatus[] = [];
    p.onStatus((status) => statuses.push(status));
    p.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' }, r.events);
    await until(() => r.screen.endsWith('$ '), 'the prompt');
    const shell = liveShell();
    let printed = '$ ';
    for (let i = 0; i < 50; i++) {
      const line = `line ${i} ${'x'.repeat(i)}\r\n`;
      printed += line;
      shell.emit(line);
    }
    await until(() => r.screen === printed, 'the first lines');
    // Cut the connection; the shell keeps printing while the browser is away.
    net.all[0]?.terminate();
    await until(() => r.disconnects.length === 1, 'the disconnect');
    for (let i = 50; i < 80; i++) {
      const line = `away ${i}\r\n`;
      printed += line;
      shell.emit(line);
    }
    await until(() => p.status === 'open' && net.all.length === 2, 'the reconnection');
    await until(() => r.screen === printed, 'the resumed stream');
    expect(r.opened.map((o) => o.resume)).toEqual(['fresh', 'replay']);
    expect(r.opened[1]?.reset).toBe(false);
    expect(r.disconnects).toEqual(['closed']);
    expect(statuses).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);
  });

  it('a server restart means another session: the pane is told to reset and gets the new screen', async () => {
    const first = await start();
    const port = first.port;
    const p = client(port, { presenter: true });
    const r = recorder();
    p.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'received' }, r.events);
    await until(() => r.screen.endsWith('$ '), 'the prompt');
    liveShell().emit('old output\r\n');
    await until(() => r.screen.includes('old output'), 'old output');
    await first.close();
    await until(() => p.status !== 'open', 'the drop (1001)');
    await start(port);
    await until(() => r.opened.length === 2 && r.screen.endsWith('$ '), 'the new session');
    expect(r.opened[1]).toMatchObject({ reset: true });
    expect(r.opened[1]?.session).not.toBe(r.opened[0]?.session);
    expect(r.screen).not.toContain('old output');
  });

  it('acknowledges only what the pane has rendered: the shell pauses until the screen catches up', async () => {
    const s = await start();
    const p = client(s.port, { presenter: true });
    let received = 0;
    const channel = p.open(
      { pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'rendered' },
      { onOutput: (_data, seq) => (received = seq) },
    );
    await until(() => received === 2, 'the prompt');
    const shell = liveShell();
    const chunk = 'y'.repeat(10_000);
    for (let i = 0; i < FlowControl.HIGH_WATERMARK_CHARS / 10_000 + 5; i++) shell.emit(chunk);
    await until(() => shell.paused && received > FlowControl.HIGH_WATERMARK_CHARS, 'the pause above the high watermark');
    expect(channel.acked).toBe(0);
    // Rendering a little is acknowledged in steps; the shell stays paused above the low mark.
    channel.parsed(channel.acked + FlowControl.ACK_EVERY_CHARS - 1);
    expect(channel.acked).toBe(0);
    channel.parsed(received);
    expect(channel.acked).toBe(received);
    await until(() => !shell.paused, 'the resume once rendered');
  });

  it('hands a rendering pane a large frame in slices, acknowledged as they are parsed: the shell resumes before the screen runs dry', async () => {
    const s = await start();
    const p = client(s.port, { presenter: true });
    const pieces: { data: string; seq: number }[] = [];
    const channel = p.open(
      { pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }), ack: 'rendered' },
      { onOutput: (data, seq) => pieces.push({ data, seq }) },
    );
    await until(() => pieces.at(-1)?.seq === 2, 'the prompt');
    pieces.length = 0;
    // One pty read of 100 000 characters after a quiet spell: one frame, sent at once.
    // An emoji (two UTF-16 units) straddles the first slice's end: it must not be split.
    const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const flood = `${letters(OUTPUT_SLICE_CHARS - 1)}😀${letters(100_000 - OUTPUT_SLICE_CHARS - 1)}`;
    liveShell().emit(flood);
    await until(() => pieces.at(-1)?.seq === 2 + flood.length, 'the whole flood');
    expect(pieces.length).toBe(Math.ceil(flood.length / OUTPUT_SLICE_CHARS));
    expect(pieces.every((piece) => piece.data.length <= OUTPUT_SLICE_CHARS)).toBe(true);
    const surrogate = (c: number) => c & 0xfc00;
    expect(pieces.some((piece) => surrogate(piece.data.charCodeAt(piece.data.length - 1)) === 0xd800)).toBe(false);
    expect(pieces.some((piece) => surrogate(piece.data.charCodeAt(0)) === 0xdc00)).toBe(false);
    expect(pieces.map((piece) => piece.data).join('')).toBe(flood);
    // Each piece's position is where it ends: once ACK_EVERY_CHARS of them are parsed, the ack
    // goes, before the frame's last slice is parsed.
    expect(pieces.map((piece) => piece.seq - piece.data.length)).toEqual([2, ...pieces.slice(0, -1).map((piece) => piece.seq)]);
    for (const piece of pieces) {
      channel.parsed(piece.seq);
      if (piece.seq - 2 >= FlowControl.ACK_EVERY_CHARS) {
        expect(channel.acked).toBe(piece.seq);
        break;
      }
      expect(channel.acked).toBe(0);
    }
    expect(channel.acked).toBeGreaterThan(0);
    expect(channel.acked).toBeLessThan(2 + flood.length);
  });

  it('names the close codes: a protocol mismatch ends in "reload", never in a retry loop', async () => {
    // A server of another build: refuses every hello as the real one does.
    const { wss, port } = await listening();
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      ws.on('message', () => {
        ws.send(
          encode({
            type: 'error',
            code: 'protocol-version',
            message: `This server speaks protocol ${PROTOCOL_VERSION + 1}: reload the page.`,
          }),
        );
        ws.close(CloseCode.PROTOCOL_VERSION, 'protocol version');
      });
    });
    const c = client(port);
    const r = recorder();
    c.open({ pane: 'demo', env: 'sandbox', size: () => ({ cols: 80, rows: 24 }) }, r.events);
    await until(() => c.status === 'reload', 'the reload state');
    expect(c.lastError).toMatch(/reload/);
    expect(r.disconnects).toEqual(['reload']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(connections).toBe(1);
    expect(c.status).toBe('reload');
  });

  it('ignores frames it cannot parse and keeps going', async () => {
    const { wss, port } = await listening();
    wss.on('connection', (ws) => {
      ws.once('message', () => {
        ws.send('{not json');
        ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, role: 'root', clientId: 'x' }));
        ws.send(Buffer.from([1, 2, 3]));
        ws.send(encode({ type: 'welcome', protocol: PROTOCOL_VERSION, role: 'audience', clientId: 'abcdefghijklmnop' }));
        ws.send(encode({ type: 'audience', count: 3 }));
      });
    });
    const c = client(port);
    const hall: string[] = [];
    c.onMessage((m) => hall.push(m.type));
    await c.ready();
    await until(() => hall.includes('audience'), 'the hall message');
    expect(c.invalidFrames).toBe(3);
    expect(c.role).toBe('audience');
    expect(c.status).toBe('open');
  });

  it('sends the hall messages typed, and the server acts on them', async () => {
    const s = await start();
    const p = client(s.port, { presenter: true });
    const a = client(s.port);
    await Promise.all([p.ready(), a.ready()]);
    const synced: number[] = [];
    a.onMessage((m) => {
      if (m.type === 'slide-sync') synced.push(m.h);
    });
    expect(p.send({ type: 'slide', h: 4, f: -1 })).toBe(true);
    await until(() => synced.includes(4), 'the slide sync');
    // An audience slide is refused by the server, as a connection-level error.
    a.send({ type: 'slide', h: 9 });
    await until(() => a.lastError !== undefined, 'the refusal');
    expect(a.lastError).toMatch(/presenter/);
  });

  it('after dispose it neither sends nor reconnects', async () => {
    const s = await start();
    const net = sockets();
    const c = client(s.port, { socket: net.factory });
    await c.ready();
    c.dispose();
    expect(c.status).toBe('disposed');
    expect(c.send({ type: 'ping' })).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(net.all).toHaveLength(1);
  });
});
