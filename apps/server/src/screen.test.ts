import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as TerminalType } from '@xterm/headless';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutputRing } from './ring.js';
import { REBUILD_CHARS, SNAPSHOT_SCROLLBACK_LINES, Screen, type ScreenSnapshot } from './screen.js';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

/** A session's output path in miniature: the ring, and the screen that parses from it. */
function session(ringChars = 512 * 1024, idleMs = 20) {
  const ring = new OutputRing(ringChars);
  const screen = new Screen(80, 24, ring, { idleMs });
  screens.push(screen);
  return {
    ring,
    screen,
    print(data: string) {
      ring.push(data);
      screen.written();
    },
    snapshot: () => new Promise<ScreenSnapshot>((resolve) => screen.whenReady(resolve)),
  };
}
const screens: Screen[] = [];
afterEach(() => {
  for (const s of screens.splice(0)) s.dispose();
});

/** What a browser shows after a snapshot and the ring's rest: a terminal of its own, fed both. */
async function browserView(snapshot: ScreenSnapshot, rest: string, cols = 80, rows = 24): Promise<string> {
  const term: TerminalType = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  const serializer: SerializeAddonType = new SerializeAddon();
  term.loadAddon(serializer as never);
  await new Promise<void>((resolve) => term.write(snapshot.data + rest, resolve));
  const text = serializer.serialize({ scrollback: 0 });
  term.dispose();
  return text;
}

async function directView(all: string, cols = 80, rows = 24): Promise<string> {
  return browserView({ data: '', seq: 0 }, all, cols, rows);
}

describe('Screen: the server’s copy of a terminal, parsed lazily from the ring', () => {
  it('a late joiner gets the screen and the SNAPSHOT_SCROLLBACK_LINES lines above it, no fewer (the copy keeps no more)', async () => {
    const s = session();
    for (let i = 1; i <= 1000; i++) s.print(`line ${i}\r\n`);
    const snap = await s.snapshot();
    const term: TerminalType = new Terminal({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true });
    await new Promise<void>((resolve) => term.write(snap.data, resolve));
    const buffer = term.buffer.active;
    const lines = Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? '');
    term.dispose();
    // The screen (lines 978-1000 and the cursor's empty row) and the 200 lines above it (778-977).
    expect(lines.length).toBe(24 + SNAPSHOT_SCROLLBACK_LINES);
    expect(lines[0]).toBe(`line ${1000 - 23 - SNAPSHOT_SCROLLBACK_LINES + 1}`);
    expect(lines.at(-2)).toBe('line 1000');
  });

  it('a snapshot and the ring’s rest show exactly what the whole output shows', async () => {
    const s = session();
    let all = '';
    for (let i = 0; i < 300; i++) {
      const line = `\x1b[3${i % 8}mline ${i}\x1b[0m ${'x'.repeat(i % 70)}\r\n`;
      all += line;
      s.print(line);
      // Snapshots taken mid-stream, parsed or not: each one plus the rest is the same screen.
      if (i % 97 === 0) {
        const snap = await s.snapshot();
        expect(await browserView(snap, s.ring.since(snap.seq) ?? 'gone')).toBe(await directView(all));
      }
    }
    const snap = await s.snapshot();
    expect(snap.seq).toBe(all.length);
    expect(await browserView(snap, '')).toBe(await directView(all));
  });

  it('parses what was printed once the output is quiet, without being asked', async () => {
    const s = session(512 * 1024, 20);
    s.print('echo hello\r\nhello\r\n$ ');
    expect(s.screen.parsedChars).toBe(0);
    await vi.waitFor(() => expect(s.screen.parsedChars).toBe('echo hello\r\nhello\r\n$ '.length), { timeout: 5000 });
    expect(s.screen.peek().data).toContain('hello');
  });

  it('does not parse while the session holds the shell (flow control): that quiet is not the end of the output', async () => {
    const s = session(512 * 1024, 20);
    s.print('first half of a flood\r\n');
    s.screen.hold(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(s.screen.parsedChars).toBe(0);
    // A snapshot asked for meanwhile (a late joiner) is still served, and exact.
    expect((await s.snapshot()).data).toContain('first half of a flood');
    s.print('second half\r\n');
    await new Promise((r) => setTimeout(r, 120));
    expect(s.screen.parsedChars).toBe('first half of a flood\r\n'.length);
    // Released: parsed once quiet again.
    s.screen.hold(false);
    await vi.waitFor(() => expect(s.screen.parsedChars).toBe('first half of a flood\r\nsecond half\r\n'.length), { timeout: 5000 });
  });

  it('does not parse a flood as it passes: 80 MB print, a few hundred KB are parsed, the screen is right', async () => {
    const s = session(512 * 1024, 20);
    const chunk = `${'line of output '.repeat(60)}\r\n`.repeat(100);
    let printed = 0;
    // xterm.js itself throws past 50 MB queued ("write data discarded"): far past that here.
    for (let i = 0; printed < 80_000_000; i++) {
      const data = i % 50 === 0 ? `${chunk}marker ${i}\r\n` : chunk;
      printed += data.length;
      expect(() => s.print(data)).not.toThrow();
    }
    s.print('the very last line\r\n');
    printed += 'the very last line\r\n'.length;
    const snap = await s.snapshot();
    expect(snap.seq).toBe(printed);
    expect(snap.data).toContain('the very last line');
    expect(s.screen.rebuilds).toBe(1);
    expect(s.screen.parsedChars).toBeLessThanOrEqual(REBUILD_CHARS + 2);
  }, 60_000);

  it('a resize applies after what was printed before it, and the snapshot has the new size', async () => {
    const s = session();
    const before = `${'a'.repeat(70)}\r\n${'b'.repeat(70)}\r\n`;
    s.print(before);
    s.screen.resize(40, 10);
    const after = 'narrow now\r\n';
    s.print(after);
    const snap = await s.snapshot();
    expect(s.screen.cols).toBe(40);
    // A terminal that printed the first part at 80 columns, then was resized: the same screen.
    const term: TerminalType = new Terminal({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true });
    const serializer: SerializeAddonType = new SerializeAddon();
    term.loadAddon(serializer as never);
    await new Promise<void>((resolve) => term.write(before, resolve));
    term.resize(40, 10);
    await new Promise<void>((resolve) => term.write(after, resolve));
    const expected = serializer.serialize({ scrollback: 0 });
    term.dispose();
    expect(await browserView(snap, s.ring.since(snap.seq) ?? 'gone', 40, 10)).toBe(expected);
  });
});
