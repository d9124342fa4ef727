import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoSteps, loadDeck, recordingName } from '@lecture/slides';
import { FakeBackend, testEnvironment } from '@lecture/containers';
import { parseCast } from '@lecture/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder, Recordings } from './recorder.js';
import { Session } from './session.js';

const environment = testEnvironment();

const dirs: string[] = [];
const sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.end('test over')));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function readySession(): Promise<Session> {
  const session = new Session({ key: 'presenter:demo', pane: 'demo', environment, backend: new FakeBackend(), cols: 80, rows: 24 });
  sessions.push(session);
  session.attach('driver', () => {});
  await session.start();
  await new Promise((r) => setTimeout(r, 10)); // the fake shell's prompt
  await session.flushScreen(); // parsed: a recording starts from it at once
  return session;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Recorder', () => {
  it('writes an asciicast: the current screen at t=0, then the output with its times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    dirs.push(dir);
    const session = await readySession();
    session.input('echo before\r');
    await tick();
    await session.flushScreen();
    let now = 1_000_000;
    const recorder = new Recorder(session, { file: join(dir, 'a.cast'), title: 'demo', now: () => now });
    now += 1500;
    session.input('echo after\r');
    await tick();
    now += 10_000;
    session.resize(100, 30);
    const result = await recorder.stop();
    const cast = parseCast(readFileSync(result.file, 'utf8'));
    expect(cast.header).toMatchObject({ version: 2, width: 80, height: 24, title: 'demo', timestamp: 1000 });
    const [first, ...rest] = cast.events;
    expect(first?.[0]).toBe(0);
    expect(first?.[2]).toContain('echo before');
    expect(rest.map((e) => e[2]).join('')).toContain('echo after');
    expect(rest[0]?.[0]).toBe(1.5);
    expect(result.output).toContain('echo after');
    expect(session.attachedCount).toBe(1); // the recorder detached; the driver stays
  });

  it('shortens pauses when asked, and stops with the session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    dirs.push(dir);
    const session = await readySession();
    let now = 0;
    const recorder = new Recorder(session, { file: join(dir, 'b.cast'), idleCapSeconds: 2, now: () => now });
    now += 60_000;
    session.input('x\r');
    await tick();
    await session.end('bye');
    const result = await recorder.stop();
    expect(recorder.stopped).toBe(true);
    const cast = parseCast(readFileSync(result.file, 'utf8'));
    expect(cast.header.idle_time_limit).toBe(2);
    expect(cast.duration).toBe(2);
  });

  it('Recordings keeps one recording per session, under live/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    dirs.push(dir);
    const recordings = new Recordings(join(dir, 'live'));
    const session = await readySession();
    const a = recordings.start(session);
    expect(recordings.start(session)).toBe(a);
    expect(recordings.name(a)).toMatch(/^live\/demo-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.cast$/);
    const result = await recordings.stop(session);
    expect(result?.file).toBe(a.file);
    expect(recordings.get(session)).toBeUndefined();
    expect(await recordings.stop(session)).toBeUndefined();
  });
});

// Every deck in slides/ carries the recordings of all its demo slides (npm run record -- <deck>).
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const decks = readdirSync(join(root, 'slides')).filter((name) => existsSync(join(root, 'slides', name, 'slides.md')));

describe.each(decks)('the recordings of slides/%s', (name) => {
  const dir = join(root, 'slides', name, 'recordings');
  const casts = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cast')) : [];

  it('cover every demo slide, start with the screen at t=0 and hold real output', () => {
    const deck = loadDeck(join(root, 'slides', name), { repoRoot: root });
    const names = deck.slides.flatMap((s) => [...demoSteps(s).keys()].map((pane) => `${recordingName(s, pane)}.cast`));
    expect(casts.sort()).toEqual(names.sort());
    for (const name of casts) {
      const cast = parseCast(readFileSync(join(dir, name), 'utf8'));
      expect(cast.events[0]?.[0], name).toBe(0);
      expect(cast.duration, name).toBeGreaterThan(1);
      expect(cast.header.idle_time_limit, name).toBe(2);
    }
  });

  it('show that demo only: each starts on a clean screen (a prompt, nothing of an earlier demo) at the projector geometry', () => {
    for (const name of casts) {
      const cast = parseCast(readFileSync(join(dir, name), 'utf8'));
      const first = cast.events
        .filter((e) => e[0] === 0 && e[1] === 'o')
        .map((e) => e[2])
        .join('');
      // What the first frame shows: escape sequences out, the rows that hold any text.
      const rows = first
        .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
        .replace(/\x1b\[[0-9;]*m/g, '')
        .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '\n')
        .replace(/\x1b[()][A-Z0-9]|\x1b[=>c]/g, '')
        .split(/[\r\n]+/)
        .filter((row) => row.trim());
      expect(rows.join(' '), name).toMatch(/^(\S+@\S+:\S*[#$]\s*)*$/);
      // The split-layout pane at 1920x1080 is at least 100 columns wide (docker ps on one row).
      expect(cast.header.width, name).toBeGreaterThanOrEqual(100);
    }
  });

  const asciinema = spawnSync('asciinema', ['--version']).status === 0 && spawnSync('script', ['--version']).status === 0;
  it.skipIf(!asciinema)('play with asciinema (asciinema cat, in a pseudo-terminal)', () => {
    for (const name of casts) {
      const r = spawnSync('script', ['-qec', `asciinema cat ${join(dir, name)}`, '/dev/null'], { encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length, name).toBeGreaterThan(100);
    }
    // 17 python start-ups: seconds on a busy 2-core machine (a wait, not a measured figure).
  }, 60_000);
});
