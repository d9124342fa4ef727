import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBackend, testEnvironment } from '@lecture/containers';
import { type DeckFolder, DeckError } from '@lecture/slides';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type LectureServer, startLectureServer } from './app.js';
import { LiveDeck, formatProblem } from './deck.js';
import { watchDeck } from './deck-watch.js';

const folder = (title: string): DeckFolder => ({
  dir: '/decks/x',
  name: 'x',
  deck: { meta: { title }, slides: [] },
  environments: [],
  recordingsDir: '/decks/x/recordings',
  files: [],
});

describe('LiveDeck', () => {
  it('serves the last good deck; a broken edit adds its problem and keeps the deck', async () => {
    const live = new LiveDeck(folder('One'), true);
    const seen: unknown[] = [];
    live.onChange((s) => seen.push(s));
    live.replace(folder('Two'));
    live.fail(new DeckError('duplicate slide id "a"', 12, 'slides/x/slides.md'));
    expect(seen).toEqual([
      { version: 2 },
      { version: 2, problem: { file: 'slides/x/slides.md', line: 12, message: 'duplicate slide id "a"' } },
    ]);
    expect(formatProblem(live.status.problem as never)).toBe('slides/x/slides.md:12: duplicate slide id "a"');

    const app = express();
    live.routes(app);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await (await fetch(`${base}/deck.json`)).json()).toEqual({ meta: { title: 'Two' }, slides: [] });
      // The update stream starts with the current status.
      const events = await fetch(`${base}/api/deck/events`);
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      const reader = (events.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes('"problem"')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain('data: {"version":2,"problem":{"file":"slides/x/slides.md","line":12');
      await reader.cancel();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a deck that is not watched tells pages not to subscribe (204)', async () => {
    const app = express();
    new LiveDeck(folder('One')).routes(app);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/deck/events`);
      expect(res.status).toBe(204);
    } finally {
      server.close();
    }
  });
});

describe('updateDeck: a new version of the deck on a running server', () => {
  let server: LectureServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('keeps the shells of unchanged panes, ends those whose pane went or whose environment changed', async () => {
    const shell = testEnvironment({ id: 'shell', lifecycle: 'per-session' });
    const other = testEnvironment({ id: 'other' });
    server = await startLectureServer({
      backend: new FakeBackend(),
      environments: [shell, other],
      secret: 'update-deck-secret-0001',
      host: '127.0.0.1',
      panes: new Map([
        ['kept', 'shell'],
        ['gone', 'shell'],
        ['moved', 'shell'],
        ['third', 'other'],
      ]),
    });
    const s = server;
    const open = (pane: string, environment = shell) => s.sessions.getOrCreate({ key: pane, pane, environment, cols: 80, rows: 24 });
    const kept = open('kept');
    open('gone');
    open('moved');
    open('third', other);

    // "gone" is no longer on any slide, "moved" now opens "other"; "shell" is unchanged.
    const panes = new Map([
      ['kept', 'shell'],
      ['moved', 'other'],
      ['third', 'other'],
    ]);
    expect(s.updateDeck({ environments: [shell, other], panes, polls: new Map(), sandboxEnvironments: [] }).sort()).toEqual(['gone', 'moved']);
    expect(s.sessions.get('kept')).toBe(kept);

    // An environment whose definition changed (a new limit): its shells start again.
    const bigger = { ...other, limits: { ...other.limits, pids: 256 } };
    expect(s.updateDeck({ environments: [shell, bigger], panes, polls: new Map(), sandboxEnvironments: [] })).toEqual(['third']);
    expect(s.sessions.get('kept')).toBe(kept);
  });
});

describe('watchDeck', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sees saves made by renaming a new file over the old one, not the recordings', async () => {
    dir = mkdtempSync(join(tmpdir(), 'watch-deck-'));
    writeFileSync(join(dir, 'slides.md'), 'one');
    mkdirSync(join(dir, 'recordings'));
    let changes = 0;
    const watcher = watchDeck({ dir, files: () => [], onChange: () => changes++, debounceMs: 20 });
    try {
      const save = (content: string) => {
        writeFileSync(join(dir, '.slides.md.new'), content);
        renameSync(join(dir, '.slides.md.new'), join(dir, 'slides.md'));
      };
      save('two');
      await expect.poll(() => changes).toBe(1);
      save('three');
      await expect.poll(() => changes).toBe(2);
      writeFileSync(join(dir, 'recordings', 'demo.cast'), '{}');
      await new Promise((r) => setTimeout(r, 200));
      expect(changes).toBe(2);
    } finally {
      watcher.dispose();
    }
  });
});
