import {
  BackendUnavailableError,
  FakeBackend,
  testEnvironment,
  type FakeShell,
  type OpenShellOptions,
  type Shell,
} from '@lecture/containers';
import { FlowControl } from '@lecture/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Screen } from './screen.js';
import { StartQueue } from './sandboxes.js';
import { type PaneMessage, Session, type SessionOptions } from './session.js';

const environment = testEnvironment();

/** What one browser received, with helpers to read it. */
class Inbox {
  readonly messages: PaneMessage[] = [];
  readonly send = (message: PaneMessage) => {
    this.messages.push(message);
  };
  of<T extends PaneMessage['type']>(type: T): Extract<PaneMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<PaneMessage, { type: T }> => m.type === type);
  }
  /** Output text received (live or replayed). */
  get text(): string {
    return this.of('output')
      .map((m) => m.data)
      .join('');
  }
  get lastSeq(): number {
    const withSeq = this.messages.filter((m) => m.type === 'output' || m.type === 'snapshot') as { seq: number }[];
    return withSeq.at(-1)?.seq ?? 0;
  }
  clear(): void {
    this.messages.length = 0;
  }
}

const sessions: Session[] = [];
let backend: FakeBackend;

function newSession(
  extra: { ringChars?: number; backend?: FakeBackend } & Partial<Pick<SessionOptions, 'pacerGraceMs' | 'outputRate' | 'queue'>> = {},
): Session {
  backend = extra.backend ?? new FakeBackend();
  const session = new Session({
    key: 'presenter:demo',
    pane: 'demo',
    environment,
    cols: 80,
    rows: 24,
    ...extra,
    backend,
  });
  sessions.push(session);
  return session;
}

function theShell(): FakeShell {
  const live = [...backend.shells].filter((s) => !s.disposed);
  expect(live).toHaveLength(1);
  return live[0] as FakeShell;
}

/** Attach a driver and wait for its shell. */
async function started(session: Session) {
  const driver = new Inbox();
  const attachment = session.attach('driver', driver.send);
  await session.start();
  expect(session.state).toBe('ready');
  // The fake shell prints its prompt a tick later, as a pty would: let it, so that it cannot
  // land in the middle of a test's own output.
  await new Promise((resolve) => setTimeout(resolve, 5));
  // And the server's screen has parsed it: a viewer attaching now gets its snapshot at once.
  await session.flushScreen();
  return { driver, attachment, shell: theShell() };
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end('test over')));
});

describe('Session: attaching', () => {
  it('a first driver gets opened (fresh), the state, and starts the shell', async () => {
    const session = newSession();
    const driver = new Inbox();
    session.attach('driver', driver.send);
    expect(driver.messages[0]).toEqual({
      type: 'opened',
      session: session.id,
      mode: 'driver',
      resume: 'fresh',
      cols: 80,
      rows: 24,
    });
    expect(driver.of('state').at(-1)?.state).toBe('starting');
    await session.start();
    expect(session.hasShell).toBe(true);
    expect(driver.of('state').at(-1)?.state).toBe('ready');
    expect(theShell().cols).toBe(80);
    expect(theShell().rows).toBe(24);
  });

  it('a viewer alone does not start a shell', async () => {
    const session = newSession();
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    await Promise.resolve();
    expect(session.hasShell).toBe(false);
    expect(backend.shells.size).toBe(0);
    expect(viewer.of('opened')[0]?.mode).toBe('viewer');
  });

  it('forwards output with seq = characters since the start, increasing', async () => {
    const session = newSession();
    const { driver, shell } = await started(session);
    driver.clear();
    const start = session.position; // the fake's own first prompt
    shell.emit('$ ');
    session.input('ls\r');
    shell.emit('a.txt  b.txt\r\n$ ');
    const outputs = driver.of('output');
    expect(outputs.map((o) => o.data)).toEqual(['$ ', 'ls\r\n', 'a.txt  b.txt\r\n$ ']);
    expect(outputs.map((o) => o.seq)).toEqual([start + 2, start + 6, start + 22]);
    expect(session.position).toBe(start + 22);
    expect(shell.written).toBe('ls\r');
  });

  it('a second attachment (viewer) gets a snapshot of the current screen, then live output', async () => {
    const session = newSession();
    const { shell } = await started(session);
    shell.emit('$ echo hello\r\nprinted before the viewer came\r\n$ ');
    await session.flushScreen();
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    const opened = viewer.of('opened')[0];
    expect(opened).toMatchObject({ mode: 'viewer', resume: 'snapshot', session: session.id });
    const snapshot = viewer.of('snapshot')[0];
    expect(snapshot?.data).toContain('printed before the viewer came');
    expect(snapshot?.seq).toBe(session.position);
    expect(snapshot).toMatchObject({ cols: 80, rows: 24 });
    expect(viewer.of('state').at(-1)?.state).toBe('ready');
    // The snapshot replaces the stream: none of the earlier output is sent again as output.
    expect(viewer.text).toBe('');
    shell.emit('after\r\n');
    expect(viewer.of('output').at(-1)).toEqual({ type: 'output', data: 'after\r\n', seq: session.position });
  });

  it('a reattach with `since` gets exactly the missed output (replay)', async () => {
    const session = newSession();
    const { attachment, shell } = await started(session);
    shell.emit('one\r\n');
    const seen = session.position;
    session.detach(attachment);
    shell.emit('two\r\n');
    shell.emit('three\r\n');
    const again = new Inbox();
    session.attach('driver', again.send, seen);
    expect(again.of('opened')[0]?.resume).toBe('replay');
    expect(again.of('snapshot')).toHaveLength(0);
    expect(again.text).toBe('two\r\nthree\r\n');
    expect(again.of('output').at(-1)?.seq).toBe(session.position);
  });

  it('a reattach that missed nothing gets replay with no output', async () => {
    const session = newSession();
    const { attachment, shell } = await started(session);
    shell.emit('one\r\n');
    session.detach(attachment);
    const again = new Inbox();
    session.attach('driver', again.send, session.position);
    expect(again.of('opened')[0]?.resume).toBe('replay');
    expect(again.of('output')).toHaveLength(0);
    expect(again.of('snapshot')).toHaveLength(0);
  });

  it('a reattach from a position the ring no longer holds gets a snapshot', async () => {
    const session = newSession({ ringChars: 100 });
    const { attachment, shell } = await started(session);
    shell.emit('early line\r\n');
    const seen = session.position;
    // Someone still watches (a shell nobody watches is paused): the output goes on.
    session.attach('viewer', new Inbox().send);
    session.detach(attachment);
    for (let i = 0; i < 20; i++) shell.emit(`missed line ${i}\r\n`);
    await session.flushScreen();
    const again = new Inbox();
    session.attach('driver', again.send, seen);
    expect(again.of('opened')[0]?.resume).toBe('snapshot');
    const snapshot = again.of('snapshot')[0];
    expect(snapshot?.data).toContain('missed line 19');
    expect(snapshot?.seq).toBe(session.position);
    expect(again.text).toBe('');
  });

  it('a reattach from a position in the future (another server run) gets a snapshot', async () => {
    const session = newSession();
    const { attachment, shell } = await started(session);
    shell.emit('current screen\r\n');
    await session.flushScreen();
    session.detach(attachment);
    const again = new Inbox();
    session.attach('driver', again.send, session.position + 5000);
    expect(again.of('opened')[0]?.resume).toBe('snapshot');
    expect(again.of('snapshot')[0]?.data).toContain('current screen');
  });

  it('resizes the shell and tells viewers the new size', async () => {
    const session = newSession();
    const { shell } = await started(session);
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    session.resize(120, 40);
    expect([shell.cols, shell.rows]).toEqual([120, 40]);
    expect([session.cols, session.rows]).toEqual([120, 40]);
    expect(viewer.of('resized')).toEqual([{ type: 'resized', cols: 120, rows: 40 }]);
  });
});

describe('Session: flow control', () => {
  const chunk = 'x'.repeat(10_000);

  it('pauses the shell when a driver has more than HIGH unacknowledged, resumes below LOW', async () => {
    const session = newSession();
    const { driver, attachment, shell } = await started(session);
    const base = session.position;
    let emitted = 0;
    while (!shell.paused) {
      shell.emit(chunk);
      emitted += chunk.length;
      expect(emitted).toBeLessThanOrEqual(FlowControl.HIGH_WATERMARK_CHARS + chunk.length);
    }
    expect(session.isPaused).toBe(true);
    expect(attachment.unacked).toBeGreaterThan(FlowControl.HIGH_WATERMARK_CHARS);
    // While paused, the shell's output is held back (as a pty that is not read).
    shell.emit('held back');
    expect(driver.text).not.toContain('held back');

    // An ack that still leaves more than LOW unacknowledged does not resume.
    attachment.ack(session.position - FlowControl.LOW_WATERMARK_CHARS - 1);
    expect(shell.paused).toBe(true);

    // Acknowledging down to LOW resumes, and the held output arrives.
    attachment.ack(session.position - FlowControl.LOW_WATERMARK_CHARS);
    expect(shell.paused).toBe(false);
    expect(session.isPaused).toBe(false);
    expect(driver.text.endsWith('held back')).toBe(true);
    expect(session.position).toBe(base + emitted + 'held back'.length);
  });

  it('the server’s screen is held while the shell is held for the driver, and released with it or when the shell ends', async () => {
    const hold = vi.spyOn(Screen.prototype, 'hold');
    try {
      const session = newSession();
      const { attachment, shell } = await started(session);
      hold.mockClear();
      while (!shell.paused) shell.emit(chunk);
      expect(hold).toHaveBeenLastCalledWith(true);
      attachment.ack(session.position);
      expect(shell.paused).toBe(false);
      expect(hold).toHaveBeenLastCalledWith(false);
      // Held again, then the shell ends: its last output is not held back from the screen.
      while (!shell.paused) shell.emit(chunk);
      expect(hold).toHaveBeenLastCalledWith(true);
      shell.exitNow(0);
      expect(hold).toHaveBeenLastCalledWith(false);
    } finally {
      hold.mockRestore();
    }
  });

  it('an ack beyond what was sent counts only what was sent', async () => {
    const session = newSession();
    const { attachment, shell } = await started(session);
    shell.emit('abc');
    attachment.ack(1_000_000);
    expect(attachment.unacked).toBe(0);
    shell.emit('def');
    expect(attachment.unacked).toBe(3);
  });

  it('a slow driver that leaves keeps the shell held (grace period); another driver takes over at once', async () => {
    const session = newSession();
    const { attachment, shell } = await started(session);
    const other = session.attach('driver', new Inbox().send);
    session.input('', attachment);
    while (!shell.paused) shell.emit(chunk);
    session.detach(attachment);
    // The other driver (which has acknowledged nothing yet) paces now.
    other.ack(session.position);
    expect(shell.paused).toBe(false);
  });

  it('a viewer that never acks never pauses the shell, and its backlog is bounded', async () => {
    const session = newSession();
    const { attachment: driver, shell } = await started(session);
    const viewer = new Inbox();
    const viewing = session.attach('viewer', viewer.send);
    viewer.clear();
    for (let i = 0; i < (2 * FlowControl.VIEWER_MAX_BACKLOG_CHARS) / chunk.length + 10; i++) {
      shell.emit(chunk);
      driver.ack(session.position); // a fast driver
      expect(shell.paused).toBe(false);
    }
    expect(session.isPaused).toBe(false);
    expect(session.position).toBeGreaterThan(2 * FlowControl.VIEWER_MAX_BACKLOG_CHARS);
    // The viewer was cut off: it received no more than the bound (plus the chunk that crossed it).
    expect(viewer.text.length).toBeGreaterThan(FlowControl.VIEWER_MAX_BACKLOG_CHARS - chunk.length);
    expect(viewer.text.length).toBeLessThanOrEqual(FlowControl.VIEWER_MAX_BACKLOG_CHARS + chunk.length);
    expect(viewing.isLagging).toBe(true);
  });

  it('a cut-off viewer that acks gets a snapshot, then live output again', async () => {
    const session = newSession();
    const { attachment: driver, shell } = await started(session);
    const viewer = new Inbox();
    const viewing = session.attach('viewer', viewer.send);
    viewer.clear();
    const chunks = FlowControl.VIEWER_MAX_BACKLOG_CHARS / chunk.length + 15;
    for (let i = 0; i < chunks; i++) {
      shell.emit(i === chunks - 1 ? `${chunk.slice(0, -20)}\r\nlast line printed\r\n` : chunk);
      driver.ack(session.position);
    }
    expect(viewing.isLagging).toBe(true);
    await session.flushScreen();
    const received = viewer.lastSeq;
    viewer.clear();

    viewing.ack(received);
    const snapshot = viewer.of('snapshot')[0];
    expect(snapshot).toBeDefined();
    expect(snapshot?.seq).toBe(session.position);
    expect(snapshot?.data).toContain('last line printed');
    expect(viewing.isLagging).toBe(false);

    shell.emit('live again\r\n');
    expect(viewer.of('output').at(-1)).toEqual({ type: 'output', data: 'live again\r\n', seq: session.position });
  });

  it('a viewer that acks promptly is never cut off', async () => {
    const session = newSession();
    const { attachment: driver, shell } = await started(session);
    const viewer = new Inbox();
    const viewing = session.attach('viewer', viewer.send);
    viewer.clear();
    let all = '';
    for (let i = 0; i < 60; i++) {
      const data = `${i}`.padEnd(chunk.length, '.');
      all += data;
      shell.emit(data);
      driver.ack(session.position);
      viewing.ack(viewer.lastSeq);
    }
    expect(viewer.text).toBe(all);
    expect(viewer.of('snapshot')).toHaveLength(0);
  });
});

describe('Session: lifecycle', () => {
  it('exit → state exited with the exit code; the shell is disposed', async () => {
    const session = newSession();
    const { driver, shell } = await started(session);
    driver.clear();
    session.input('exit\r');
    await Promise.resolve();
    expect(session.state).toBe('exited');
    expect(session.exitCode).toBe(0);
    expect(session.hasShell).toBe(false);
    expect(driver.of('state').at(-1)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(driver.of('state').at(-1)?.message).toMatch(/exited/);
    await Promise.resolve();
    expect(shell.disposed).toBe(true);
  });

  it('input after exit goes nowhere and does not throw', async () => {
    const session = newSession();
    const { shell } = await started(session);
    session.input('exit\r');
    expect(() => session.input('ls\r')).not.toThrow();
    expect(shell.written).toBe('exit\r');
  });

  it('restart after exit opens a new shell and becomes ready', async () => {
    const session = newSession();
    const { driver, shell: first } = await started(session);
    session.input('exit\r');
    expect(session.state).toBe('exited');
    driver.clear();
    await session.start();
    expect(session.state).toBe('ready');
    expect(session.exitCode).toBeUndefined();
    expect(driver.of('state').map((s) => s.state)).toEqual(['starting', 'ready']);
    const second = theShell();
    expect(second).not.toBe(first);
    session.input('echo again\r');
    // Held until the new shell's prompt is there, then typed.
    await vi.waitFor(() => expect(second.written).toBe('echo again\r'));
    expect(driver.text).toContain('echo again');
  });

  it('a backend failure becomes state error with words for the lecturer', async () => {
    class Down extends FakeBackend {
      override async openShell(_options: OpenShellOptions): Promise<Shell> {
        throw new BackendUnavailableError('Docker is not running.', 'Start Docker and reload.');
      }
    }
    const session = newSession({ backend: new Down() });
    const driver = new Inbox();
    session.attach('driver', driver.send);
    await session.start();
    expect(session.state).toBe('error');
    expect(driver.of('state').at(-1)).toEqual({
      type: 'state',
      state: 'error',
      message: 'Docker is not running. Start Docker and reload.',
    });
  });

  it('end() disposes the shell, tells every browser, and cannot be restarted', async () => {
    const session = newSession();
    const { driver, shell } = await started(session);
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    let endedWith: Session | undefined;
    const ended = new Session({
      key: 'k',
      pane: 'p',
      environment,
      backend,
      cols: 80,
      rows: 24,
      onEnded: (s) => {
        endedWith = s;
      },
    });
    await session.end('The shell was closed.');
    expect(shell.disposed).toBe(true);
    expect(backend.shells.size).toBe(0);
    expect(driver.of('closed')).toEqual([{ type: 'closed', reason: 'The shell was closed.' }]);
    expect(viewer.of('closed')).toEqual([{ type: 'closed', reason: 'The shell was closed.' }]);
    expect(session.attachedCount).toBe(0);
    await session.start();
    expect(session.hasShell).toBe(false);
    expect(backend.shells.size).toBe(0);

    await ended.end('x');
    expect(endedWith).toBe(ended);
  });

  it('end() while the shell is still starting disposes it once it arrives', async () => {
    const session = newSession();
    session.attach('driver', new Inbox().send);
    const ending = session.end('bye');
    await ending;
    expect(session.hasShell).toBe(false);
    expect([...backend.shells].filter((s) => !s.disposed)).toHaveLength(0);
  });
});

describe('Session: who paces the shell', () => {
  it('the driver who typed last paces it; a forgotten presenter tab is bounded like a viewer', async () => {
    const session = newSession();
    const { attachment: forgotten, shell } = await started(session);
    const active = session.attach('driver', new Inbox().send);
    session.input('ls\r', active);
    // The forgotten tab never acknowledges: the shell keeps running for the active one.
    for (let i = 0; i < FlowControl.VIEWER_MAX_BACKLOG_CHARS / 10_000 + 15; i++) {
      shell.emit('x'.repeat(10_000));
      active.ack(session.position);
    }
    expect(shell.paused).toBe(false);
    expect(forgotten.isLagging).toBe(true);
    expect(forgotten.unacked).toBeLessThanOrEqual(FlowControl.VIEWER_MAX_BACKLOG_CHARS + 10_000);
    // The active one stops acknowledging: now the shell waits for it.
    for (let i = 0; i < FlowControl.HIGH_WATERMARK_CHARS / 10_000 + 5; i++) shell.emit('y'.repeat(10_000));
    expect(shell.paused).toBe(true);
    active.ack(session.position);
    expect(shell.paused).toBe(false);
  });
});

describe('Session: keys typed before the prompt', () => {
  it('are held until the shell has printed its prompt, then typed after it (not glued before it)', async () => {
    const session = newSession();
    const driver = new Inbox();
    session.attach('driver', driver.send);
    // A student types at once, while the container is still starting.
    session.input('whoami\r');
    await session.start();
    const shell = theShell();
    session.input('pwd\r');
    expect(shell.written).toBe('');
    // The fake prints its prompt a tick later, as a pty would; the held keys follow it.
    await vi.waitFor(() => expect(shell.written).toBe('whoami\rpwd\r'));
    expect(driver.text.startsWith('$ whoami\r\n')).toBe(true);
    // From then on, keys go straight through.
    session.input('ls\r');
    expect(shell.written).toBe('whoami\rpwd\rls\r');
  });

  it('keys that arrive just after the prompt, before the held ones are written, come after them', async () => {
    const session = newSession();
    session.attach('driver', new Inbox().send);
    session.input('ls; echo fresh');
    await session.start();
    const shell = theShell();
    // The prompt, then more keys in the same turn: they must not overtake the held ones.
    shell.emit('$ ');
    session.input('-$((6*7))');
    await vi.waitFor(() => expect(shell.written).toBe('ls; echo fresh-$((6*7))'));
  });

  it('hold a bounded amount: a paste into a starting shell keeps its first 4 KiB', async () => {
    const session = newSession();
    session.attach('driver', new Inbox().send);
    await session.start();
    const shell = theShell();
    session.input('a'.repeat(4000));
    session.input('b'.repeat(200));
    await vi.waitFor(() => expect(shell.written).toBe('a'.repeat(4000)));
  });
});

describe('Session: renew (the demos reset)', () => {
  it('replaces the shell with a fresh one for every browser: the screen cleared, saying so, then the new prompt', async () => {
    const session = newSession();
    const { driver, shell } = await started(session);
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    shell.emit('leftover from the last rehearsal\r\n$ ');
    driver.clear();
    viewer.clear();
    await session.renew('Reset: a fresh sandbox container');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(shell.disposed).toBe(true);
    const fresh = theShell();
    expect(fresh).not.toBe(shell);
    expect(session.state).toBe('ready');
    for (const inbox of [driver, viewer]) {
      expect(inbox.text).toMatch(/^\x1bc.*Reset: a fresh sandbox container.*\r\n\$ $/s);
      // No "exited" on the way: the old shell's end is not the session's.
      expect(inbox.of('state').map((s) => s.state)).not.toContain('exited');
    }
    await session.flushScreen();
    const late = new Inbox();
    session.attach('viewer', late.send);
    expect(late.of('snapshot')[0]?.data).not.toContain('leftover');
  });
});

describe('Session: a flaky presenter Wi-Fi loses nothing (issue 9, item 7)', () => {
  const line = (i: number) => `${i}\r\n`;

  it('a pacing driver that drops holds the shell; a reconnect within the grace replays every line exactly once', async () => {
    const session = newSession({ pacerGraceMs: 60_000 });
    const { driver, attachment, shell } = await started(session);
    // The room mirrors the pane: viewers never pace, so only the grace holds the shell.
    session.attach('viewer', new Inbox().send);
    let i = 0;
    // The shell prints lines as fast as it may, like `seq`: whenever it is not paused.
    const pump = (count: number) => {
      for (let n = 0; n < count && !shell.paused && i < 200_000; n++) {
        let chunk = '';
        for (let k = 0; k < 100 && i < 200_000; k++) chunk += line(++i);
        shell.emit(chunk);
      }
    };
    pump(20);
    attachment.ack(session.position);
    const received = driver.lastSeq;
    session.detach(attachment); // the socket dropped
    pump(2_000);
    // Held: no more than the high watermark went out beyond the last acknowledgement.
    expect(shell.paused).toBe(true);
    expect(session.position - received).toBeLessThanOrEqual(FlowControl.HIGH_WATERMARK_CHARS + 1_000); // + one chunk
    expect(i).toBeLessThan(200_000);

    const back = new Inbox();
    const again = session.attach('driver', back.send, received);
    expect(back.of('opened')[0]?.resume).toBe('replay');
    // The browser parses and acknowledges; the shell runs on to the end.
    while (i < 200_000) {
      again.ack(back.lastSeq);
      pump(2_000);
    }
    const lines = (driver.text.slice(driver.text.indexOf('1\r\n')) + back.text).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(200_000);
    expect(lines.every((l, n) => l === String(n + 1))).toBe(true);
  });

  it('after the grace period the shell runs unpaced again for whoever still watches', async () => {
    const session = newSession({ pacerGraceMs: 50 });
    const { attachment, shell } = await started(session);
    session.attach('viewer', new Inbox().send);
    while (!shell.paused) shell.emit('x'.repeat(10_000));
    session.detach(attachment);
    expect(shell.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(shell.paused).toBe(false);
  });
});

describe('Session: output nobody watches costs nothing (issue 9, item 11)', () => {
  it('a shell with no browser attached is paused, and resumes when one attaches', async () => {
    const session = newSession({ pacerGraceMs: 10 });
    const { attachment, shell } = await started(session);
    attachment.ack(session.position);
    session.detach(attachment);
    await new Promise((r) => setTimeout(r, 30));
    expect(shell.paused).toBe(true);
    shell.emit('printed while nobody watched\r\n');
    const back = new Inbox();
    session.attach('viewer', back.send);
    expect(shell.paused).toBe(false);
    expect(back.text + (back.of('snapshot')[0]?.data ?? '')).toContain('printed while nobody watched');
  });

  it('a sandbox that prints past its rate is paused until the bucket refills', async () => {
    const session = newSession({ outputRate: { charsPerSecond: 100_000, burstChars: 50_000 } });
    const { attachment, shell } = await started(session);
    const started_at = Date.now();
    let printed = 0;
    while (!shell.paused) {
      shell.emit('y\n'.repeat(5_000));
      printed += 10_000;
      attachment.ack(session.position); // a fast browser: only the rate holds it
    }
    expect(printed).toBeGreaterThanOrEqual(50_000);
    expect(printed).toBeLessThanOrEqual(70_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(shell.paused).toBe(false);
    expect(Date.now() - started_at).toBeGreaterThanOrEqual(100);
  });

  it('a sandbox held for its rate is let go when its wait is over, even if the wall clock says not yet', async () => {
    const session = newSession({ outputRate: { charsPerSecond: 100_000, burstChars: 50_000 } });
    const { attachment, shell } = await started(session);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      while (!shell.paused) {
        shell.emit('y\n'.repeat(5_000));
        attachment.ack(session.position);
      }
      // The wall clock steps back (NTP; or a timer firing a millisecond early by Date.now()):
      // the shell, paused, prints nothing that would make the session look again.
      vi.setSystemTime(Date.now() - 50);
      vi.advanceTimersByTime(1_000);
      expect(shell.paused).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Session: truthful states (issue 9, item 9)', () => {
  it('a driver is never told to wait for the lecturer; a mirror is', async () => {
    const session = newSession();
    const viewer = new Inbox();
    session.attach('viewer', viewer.send);
    expect(viewer.of('state')[0]?.message).toMatch(/Waiting for the lecturer/);
    const driver = new Inbox();
    session.attach('driver', driver.send);
    await session.start();
    for (const m of driver.of('state')) expect(m.message ?? '').not.toMatch(/lecturer/);
  });

  it('a queued sandbox says it waits for a free slot', async () => {
    const queue = new StartQueue(1);
    let release = () => {};
    void queue.run(() => new Promise<void>((r) => (release = r)));
    const session = newSession({ queue });
    const driver = new Inbox();
    session.attach('driver', driver.send);
    await new Promise((r) => setTimeout(r, 5));
    const states = driver.of('state').map((m) => m.message ?? '');
    expect(states.at(-1)).toMatch(/Waiting for a free slot: 1 ahead of you/);
    expect(states.join('\n')).not.toMatch(/lecturer/);
    release();
    await new Promise((r) => setTimeout(r, 5));
    await session.start();
    expect(driver.of('state').at(-1)?.state).toBe('ready');
  });
});

describe('Session: memory follows what is buffered, not what is acknowledged (issue 9, item 5)', () => {
  it('a mirror that acknowledges without reading is cut off once its socket holds the bound', async () => {
    const session = newSession();
    const { attachment: driver, shell } = await started(session);
    let buffered = 0;
    const liar = new Inbox();
    const lying = session.attach('viewer', liar.send, undefined, { buffered: () => buffered, limitBytes: 64 * 1024 });
    for (let i = 0; i < 100; i++) {
      shell.emit('z'.repeat(10_000));
      driver.ack(session.position);
      lying.ack(session.position); // claims to have parsed everything…
      buffered += 10_000; // …but never reads its socket
    }
    expect(lying.isLagging).toBe(true);
    expect(liar.text.length).toBeLessThanOrEqual(64 * 1024 + 10_000);
    // Once its socket is drained, an acknowledgement resyncs it from the screen.
    buffered = 0;
    lying.ack(session.position);
    await session.flushScreen(); // the screen parses the flood's newest part first
    expect(lying.isLagging).toBe(false);
    expect(liar.of('snapshot').length).toBeGreaterThan(0);
  });

  it('a pacing driver that acknowledges without reading holds its shell', async () => {
    const session = newSession();
    backend = new FakeBackend();
    let buffered = 0;
    const inbox = new Inbox();
    const liar = session.attach('driver', inbox.send, undefined, { buffered: () => buffered, limitBytes: 64 * 1024 });
    await session.start();
    await new Promise((r) => setTimeout(r, 5));
    const shell = [...(session as unknown as { options: { backend: FakeBackend } }).options.backend.shells][0] as FakeShell;
    for (let i = 0; i < 20 && !shell.paused; i++) {
      shell.emit('z'.repeat(10_000));
      buffered += 10_000;
      liar.ack(session.position);
    }
    expect(shell.paused).toBe(true);
    expect(buffered).toBeLessThanOrEqual(64 * 1024 + 10_000);
  });
});
