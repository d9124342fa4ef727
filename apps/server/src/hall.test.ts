import { FakeBackend, type OpenShellOptions, type Shell, testEnvironment } from '@lecture/containers';
import { LectureClient } from '@lecture/client';
import { type ClientMessageInput, PROTOCOL_VERSION, type ServerMessage, WS_PATH } from '@lecture/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LectureServer, type LectureServerOptions, startLectureServer } from './app.js';

const SECRET = 'hall-presenter-secret-0123';
const sandbox = testEnvironment({ shell: ['bash'] });

let server: LectureServer | undefined;
let backend: FakeBackend;
const sockets: WebSocket[] = [];

async function start(extra: Partial<LectureServerOptions> = {}): Promise<void> {
  backend = new FakeBackend();
  server = await startLectureServer({
    backend,
    environments: [sandbox],
    secret: SECRET,
    host: '127.0.0.1',
    panes: new Map([['demo', 'sandbox']]),
    polls: new Map([['what-is-docker', 3]]),
    ...extra,
  });
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await server?.close();
  server = undefined;
});

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A browser in the room: the project's client on a real `ws` socket, recording what arrives. */
class Peer {
  readonly received: ServerMessage[] = [];
  constructor(
    readonly client: LectureClient,
    readonly ws: WebSocket,
  ) {
    client.onServerMessage((m) => this.received.push(m));
  }
  static async join(role: 'presenter' | 'audience', clientId?: string): Promise<Peer> {
    const headers: Record<string, string> = role === 'presenter' ? { Authorization: `Bearer ${SECRET}` } : {};
    let ws: WebSocket | undefined;
    const client = new LectureClient({
      url: `ws://127.0.0.1:${server?.port}${WS_PATH}`,
      reconnect: false,
      ...(clientId ? { clientId } : {}),
      socket: (url) => {
        ws = new WebSocket(url, { headers });
        return ws;
      },
    });
    const socket = ws as unknown as WebSocket;
    sockets.push(socket);
    const peer = new Peer(client, socket);
    await client.ready();
    return peer;
  }
  send(m: ClientMessageInput): void {
    this.client.sendMessage(m);
  }
  /** The latest message of a type that matches, waiting for it if needed. */
  async wait<T extends ServerMessage['type']>(type: T, match: (m: Of<T>) => boolean = () => true): Promise<Of<T>> {
    for (let i = 0; i < 400; i++) {
      const found = [...this.received].reverse().find((m) => m.type === type && match(m as Of<T>));
      if (found) return found as Of<T>;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${type}; got ${JSON.stringify(this.received.slice(-4))}`);
  }
}

const clientId = (n: number) => `client-${String(n).padStart(12, '0')}`;

describe('slide sync', () => {
  it('the audience follows the presenter, and a late joiner lands on the current slide', async () => {
    await start();
    const presenter = await Peer.join('presenter');
    const early = await Peer.join('audience');
    presenter.send({ type: 'slide', h: 5, f: 1 });
    expect(await early.wait('slide-sync', (m) => m.h === 5)).toMatchObject({ h: 5, f: 1 });
    const late = await Peer.join('audience');
    expect(await late.wait('slide-sync')).toMatchObject({ h: 5, f: 1 });
  });

  it('ignores an audience member who tries to move everyone', async () => {
    await start();
    const presenter = await Peer.join('presenter');
    const a = await Peer.join('audience');
    const b = await Peer.join('audience');
    presenter.send({ type: 'slide', h: 2, f: -1 });
    await b.wait('slide-sync', (m) => m.h === 2);
    a.send({ type: 'slide', h: 9, f: -1 });
    expect(await a.wait('error')).toMatchObject({ code: 'forbidden' });
    const late = await Peer.join('audience');
    expect(await late.wait('slide-sync')).toMatchObject({ h: 2 });
    expect(b.received.some((m) => m.type === 'slide-sync' && m.h === 9)).toBe(false);
  });

  it('tells the presenter how many follow', async () => {
    await start();
    const presenter = await Peer.join('presenter');
    await Peer.join('audience');
    const leaving = await Peer.join('audience');
    expect(await presenter.wait('audience', (m) => m.count === 2)).toMatchObject({ count: 2 });
    // The count of 1 it saw before the second joined must not answer for the one who leaves.
    presenter.received.length = 0;
    leaving.ws.close();
    expect(await presenter.wait('audience', (m) => m.count === 1)).toMatchObject({ count: 1 });
  });
});

describe('polls', () => {
  it('collects one vote per browser and shows results to everyone once revealed', async () => {
    await start();
    const presenter = await Peer.join('presenter');
    const voters = await Promise.all([1, 2, 3].map((n) => Peer.join('audience', clientId(n))));
    voters[0]?.send({ type: 'vote', poll: 'what-is-docker', option: 0 });
    voters[1]?.send({ type: 'vote', poll: 'what-is-docker', option: 2 });
    voters[2]?.send({ type: 'vote', poll: 'what-is-docker', option: 1 });
    voters[2]?.send({ type: 'vote', poll: 'what-is-docker', option: 2 }); // changed their mind
    const seen = await presenter.wait('poll', (m) => m.total === 3 && m.counts?.[2] === 2);
    expect(seen.counts).toEqual([1, 0, 2]);
    // Before the reveal, the audience sees only the total and their own vote.
    const before = await voters[0]?.wait('poll', (m) => m.total === 3);
    expect(before?.counts).toBeUndefined();
    expect(before?.mine).toBe(0);
    presenter.send({ type: 'poll-control', poll: 'what-is-docker', action: 'reveal' });
    for (const v of voters) expect((await v.wait('poll', (m) => m.revealed)).counts).toEqual([1, 0, 2]);
  });

  /**
   * A presenter and a voter whose vote is revealed; what they received until then is forgotten
   * (wait() looks back over everything received, and a joiner's first poll state is empty too).
   */
  async function revealedPoll(): Promise<{ presenter: Peer; voter: Peer }> {
    await start();
    const presenter = await Peer.join('presenter');
    const voter = await Peer.join('audience', clientId(1));
    voter.send({ type: 'vote', poll: 'what-is-docker', option: 1 });
    presenter.send({ type: 'poll-control', poll: 'what-is-docker', action: 'reveal' });
    await voter.wait('poll', (m) => m.revealed && m.total === 1);
    await presenter.wait('poll', (m) => m.revealed && m.total === 1);
    voter.received.length = 0;
    presenter.received.length = 0;
    return { presenter, voter };
  }

  it("a poll's Reset starts it over hidden: asked again, the answers do not show as they come in", async () => {
    const { presenter, voter } = await revealedPoll();
    presenter.send({ type: 'poll-control', poll: 'what-is-docker', action: 'reset' });
    const after = await voter.wait('poll', (m) => m.total === 0);
    expect(after.revealed).toBe(false);
    expect(after.counts).toBeUndefined();
    voter.received.length = 0;
    voter.send({ type: 'vote', poll: 'what-is-docker', option: 2 });
    const again = await voter.wait('poll', (m) => m.total === 1);
    expect(again.counts).toBeUndefined();
    expect(again.mine).toBe(2);
  });

  it('"Reset demos" empties and hides every poll, for everyone (rehearsal votes are gone)', async () => {
    const { presenter, voter } = await revealedPoll();
    presenter.send({ type: 'demos-reset' });
    const after = await voter.wait('poll', (m) => m.total === 0);
    expect(after.revealed).toBe(false);
    expect(after.mine).toBeUndefined();
    expect((await presenter.wait('poll', (m) => m.total === 0)).counts).toEqual([0, 0, 0]);
  });

  it('refuses votes for unknown polls or options, and poll control from the audience', async () => {
    await start();
    const a = await Peer.join('audience');
    a.send({ type: 'vote', poll: 'nope', option: 0 });
    expect(await a.wait('error')).toMatchObject({ code: 'bad-message' });
    a.received.length = 0;
    a.send({ type: 'vote', poll: 'what-is-docker', option: 3 });
    expect((await a.wait('error')).message).toMatch(/3 options/);
    a.received.length = 0;
    a.send({ type: 'poll-control', poll: 'what-is-docker', action: 'reveal' });
    expect(await a.wait('error')).toMatchObject({ code: 'forbidden' });
  });
});

describe('audience sandboxes', () => {
  it('gives each student a shell of their own that keeps across a reload', async () => {
    await start();
    const alice = await Peer.join('audience', clientId(1));
    const bob = await Peer.join('audience', clientId(2));
    alice.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    bob.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    const a = await alice.wait('opened');
    const b = await bob.wait('opened');
    expect(a.mode).toBe('driver');
    expect(a.session).not.toBe(b.session);
    await alice.wait('state', (m) => m.state === 'ready');
    await bob.wait('state', (m) => m.state === 'ready');
    alice.send({ type: 'input', channel: 1, data: 'touch alice-was-here\r' });
    await alice.wait('output', (m) => m.data.includes('alice-was-here'));
    const shells = [...backend.shells];
    expect(shells).toHaveLength(2);
    expect(shells.filter((s) => s.written.includes('alice-was-here'))).toHaveLength(1);
    // A reload (new socket, same browser) reaches the same sandbox.
    alice.ws.close();
    const again = await Peer.join('audience', clientId(1));
    again.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    expect((await again.wait('opened')).session).toBe(a.session);
  });

  it('keeps a sandbox started ahead for each student without one, within the pool and the room', async () => {
    await start({ sandboxes: { warmPool: 2, maxTotal: 3 } });
    const pooled = () => backend.prestarted.get('sandbox');
    // The lecturer alone (rehearsing): nothing is started ahead.
    await Peer.join('presenter');
    await new Promise((r) => setTimeout(r, 50));
    expect(pooled() ?? 0).toBe(0);
    const alice = await Peer.join('audience', clientId(1));
    await expect.poll(pooled).toBe(1);
    await Peer.join('audience', clientId(2));
    await Peer.join('audience', clientId(3));
    // Three students, a pool of at most 2.
    await expect.poll(pooled).toBe(2);
    // A student who opened a sandbox needs none ahead; the room's cap (3) bounds both.
    alice.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await alice.wait('state', (m) => m.state === 'ready');
    await expect.poll(pooled, { timeout: 5_000 }).toBe(2);
    const bob = await Peer.join('audience', clientId(4));
    bob.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await bob.wait('state', (m) => m.state === 'ready');
    // 4 students, 2 sandboxes open, 3 at most in the room: 1 ahead.
    await expect.poll(pooled, { timeout: 5_000 }).toBe(1);
    // Students leave: the pool shrinks with the room.
    for (const s of sockets.splice(1)) s.terminate();
    await expect.poll(pooled, { timeout: 5_000 }).toBe(0);
  });

  it('a room opening at once keeps the sandboxes started ahead until each student has taken one', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Containers that take a while to hand over, one at a time: the room's opens are queued.
    class SlowBackend extends FakeBackend {
      override async openShell(options: OpenShellOptions): Promise<Shell> {
        await gate;
        return super.openShell(options);
      }
    }
    const slow = new SlowBackend();
    await start({ backend: slow, sandboxes: { warmPool: 5, startConcurrency: 1 } });
    const students = [];
    for (let i = 1; i <= 3; i++) students.push(await Peer.join('audience', clientId(i)));
    await expect.poll(() => slow.prestarted.get('sandbox')).toBe(3);
    for (const s of students) s.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    for (const s of students) await s.wait('opened');
    // Queued, not yet started: their containers are still wanted (a pool check runs every 2 s).
    await new Promise((r) => setTimeout(r, 2_500));
    expect(slow.prestarted.get('sandbox')).toBe(3);
    release();
    for (const s of students) await s.wait('state', (m) => m.state === 'ready');
    await expect.poll(() => slow.prestarted.get('sandbox'), { timeout: 5_000 }).toBe(0);
  });

  it('caps the number of sandboxes with a clear message', async () => {
    await start({ sandboxes: { maxTotal: 1 } });
    const first = await Peer.join('audience', clientId(1));
    first.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await first.wait('state', (m) => m.state === 'ready');
    const second = await Peer.join('audience', clientId(2));
    second.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    const refused = await second.wait('error');
    expect(refused.code).toBe('capacity');
    expect(refused.message).toMatch(/All 1 sandboxes are in use/);
    expect(backend.shells.size).toBe(1);
  });

  it('refuses a sandbox of an environment not offered to the audience', async () => {
    await start({ sandboxes: { environments: [] } });
    const a = await Peer.join('audience', clientId(1));
    a.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    expect(await a.wait('error')).toMatchObject({ code: 'forbidden' });
    expect(backend.shells.size).toBe(0);
  });

  it('removes a sandbox whose owner left, after the grace time', async () => {
    await start({ sandboxes: { leaveGraceMs: 50 } });
    const a = await Peer.join('audience', clientId(1));
    a.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await a.wait('state', (m) => m.state === 'ready');
    const [shell] = [...backend.shells];
    expect(shell?.disposed).toBe(false);
    a.ws.close();
    for (let i = 0; i < 150 && !shell?.disposed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(shell?.disposed).toBe(true);
  });
});

describe('abuse', () => {
  it('a socket keeps the identity of its first hello (no switching to take more sandboxes)', async () => {
    await start({ sandboxes: { maxTotal: 5 } });
    const a = await Peer.join('audience', clientId(1));
    a.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    const first = await a.wait('opened');
    a.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId: clientId(2) });
    a.send({ type: 'open', channel: 2, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    const second = await a.wait('opened', (m) => m.channel === 2);
    expect(second.session).toBe(first.session);
    expect(backend.shells.size).toBe(1);
  });

  it('refuses input beyond any typist or paste, and keeps serving', async () => {
    await start();
    const a = await Peer.join('audience', clientId(1));
    a.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await a.wait('state', (m) => m.state === 'ready');
    const chunk = 'x'.repeat(60_000);
    for (let i = 0; i < 10; i++) a.send({ type: 'input', channel: 1, data: chunk });
    expect((await a.wait('error', (m) => m.code === 'capacity')).message).toMatch(/too much input/);
    const [shell] = [...backend.shells];
    expect(shell?.written.length ?? 0).toBeLessThanOrEqual(256 * 1024);
    expect(shell?.written.length ?? 0).toBeGreaterThan(0);
  });

  it('survives a refused upgrade whose connection is reset', async () => {
    await start();
    const { connect } = await import('node:net');
    for (const path of ['/nope', '/ws']) {
      const socket = connect(server?.port ?? 0, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: http://evil.example\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    const health = await fetch(`http://127.0.0.1:${server?.port}/api/health`);
    expect(health.status).toBe(200);
  });
});
