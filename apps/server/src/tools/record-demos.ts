#!/usr/bin/env node
/**
 * `npm run record`: runs every demo of the deck in the real environments, headless, and records
 * each demo slide as `<deck>/recordings/<slide-id>.cast` (asciicast v2).
 *
 * It starts the real server in-process (Docker backend, the deck's environments and panes) and
 * drives it over its WebSocket as the presenter, exactly as the lecturer's browser does: it
 * walks the demo slides in deck order (a pane's shell carries its state from slide to slide, as
 * in the lecture), starts a recording of the pane (the `record` message: the cast begins with
 * the server's snapshot of the screen), types each console step, waits for it to finish (the
 * prompt is back and the output has been quiet for a second, up to the step's `# wait:`), and
 * stops the recording. It prints a table and exits non-zero naming the demos that failed.
 *
 *   npm run record                          every demo slide of the containers lecture
 *   npm run record -- slides/processes      every demo slide of that deck
 *   npm run record -- [deck] demo-x ...     only these slides (their panes still start fresh)
 */
import { existsSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Terminal as TerminalType } from '@xterm/headless';
import { DockerBackend } from '@lecture/containers';
import { LectureClient, type PaneChannel as ClientChannel } from '@lecture/client';
import { WS_PATH, capIdle, formatCast, parseCast } from '@lecture/protocol';
import { type Slide, type Step, demoSteps, loadDeckFolder, panesOf, recordingName } from '@lecture/slides';
import { WebSocket } from 'ws';
import { startLectureServer } from '../app.js';
import { newSecret } from '../auth.js';
import { loadConfig } from '../config.js';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');

/** The recordings' terminal size: what a split-layout pane shows on a 1920×1080 projector. */
const COLS = Number(process.env.RECORD_COLS ?? 103);
const ROWS = Number(process.env.RECORD_ROWS ?? 39);
/** Pauses longer than this are shortened in the casts. */
const IDLE_CAP_SECONDS = 2;
const QUIET_MS = 1000;
/** A step whose program shows no prompt (e.g. `docker attach`) is done after this much quiet. */
// Raised on a machine so busy that a shell takes longer than this to show its prompt.
const QUIET_NO_PROMPT_MS = Number(process.env.RECORD_QUIET_NO_PROMPT_MS ?? 4000);
const TYPE_DELAY_MS = 20;
/** Output that means a step went wrong, unless the slide itself mentions it. */
const FAILURE_PATTERNS = [
  'command not found',
  'Error response from daemon',
  'No such file or directory',
  'FATAL:',
  'Unable to find image',
  'permission denied while trying to connect',
];
const PROMPT = /([$#>%:?\]])$/;
/** A shell's own prompt, where clearing the screen is safe (as the deck's steps.ts). */
const SHELL_PROMPT = /(^[\w.-]+@[\w.-]+:\S*[#$]|^Apptainer>)$/;
/** readline's clear-display (Esc Ctrl-L): screen and scrollback cleared, the prompt redrawn. */
const CLEAR_DISPLAY = '\x1b\x0c';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface PaneChannel {
  readonly pane: string;
  readonly channel: ClientChannel;
  readonly screen: TerminalType;
  state: string;
  message?: string;
  lastOutput: number;
  /** Output since the last mark (for the step in progress). */
  since: string;
  recording?: { recording: boolean; file?: string; seconds?: number };
  waiters: Set<() => void>;
}

/** The presenter, as the lecturer's browser is: the project's client with the presenter key. */
class PresenterSocket {
  private readonly client: LectureClient;

  constructor(url: string, secret: string) {
    this.client = new LectureClient({
      url,
      reconnect: false,
      socket: (socketUrl) => new WebSocket(socketUrl, { headers: { authorization: `Bearer ${secret}` } }),
    });
  }

  async ready(): Promise<void> {
    const welcome = await this.client.ready();
    if (welcome.role !== 'presenter') throw new Error('the server did not accept the presenter key');
  }

  open(pane: string, env: string): PaneChannel {
    const screen = new Terminal({ cols: COLS, rows: ROWS, scrollback: 1000, allowProposedApi: true });
    const wake = () => {
      for (const w of p.waiters) w();
    };
    const channel = this.client.open(
      { pane, env, scope: 'presenter', size: () => ({ cols: COLS, rows: ROWS }), ack: 'received' },
      {
        onSnapshot: (m) => {
          screen.reset();
          screen.resize(m.cols, m.rows);
          screen.write(m.data);
          wake();
        },
        onOutput: (data) => {
          screen.write(data);
          p.since += data;
          p.lastOutput = Date.now();
          wake();
        },
        onPaneState: (state, message) => {
          p.state = state;
          p.message = message;
          wake();
        },
        onRecording: (m) => {
          p.recording = { recording: m.recording, file: m.file, seconds: m.seconds };
          wake();
        },
      },
    );
    const p: PaneChannel = { pane, channel, screen, state: 'connecting', lastOutput: Date.now(), since: '', waiters: new Set() };
    return p;
  }

  /** Resolves when `test` holds, checked on every message and every 100 ms; false on timeout. */
  async until(p: PaneChannel, test: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (test()) return true;
      await new Promise<void>((resolve) => {
        const wake = () => {
          p.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 100);
        p.waiters.add(wake);
      });
    }
    return test();
  }

  close(): void {
    this.client.dispose();
  }
}

/** The text on the cursor's line (where a prompt would be). */
function cursorLine(screen: TerminalType): string {
  const buffer = screen.buffer.active;
  return buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
}

/** Wait until the shell is done with what it was sent: prompt back and quiet, or long quiet. */
async function settle(
  socket: PresenterSocket,
  p: PaneChannel,
  timeoutMs: number,
  keysOnly: boolean,
  quietNoPromptMs = QUIET_NO_PROMPT_MS,
): Promise<'prompt' | 'quiet' | 'timeout'> {
  let how: 'prompt' | 'quiet' = 'prompt';
  const ok = await socket.until(
    p,
    () => {
      if (p.state === 'error' || p.state === 'exited') return true;
      const quiet = Date.now() - p.lastOutput;
      const started = keysOnly ? p.since.length > 0 : /[\r\n]/.test(p.since);
      if (started && quiet >= QUIET_MS && PROMPT.test(cursorLine(p.screen).trimEnd())) {
        how = 'prompt';
        return true;
      }
      if (quiet >= quietNoPromptMs && p.since.length > 0) {
        how = 'quiet';
        return true;
      }
      return false;
    },
    timeoutMs,
  );
  return ok ? how : 'timeout';
}

async function typeStep(p: PaneChannel, step: Step): Promise<void> {
  const keysOnly = !step.send.endsWith('\r') || step.send.length === 1;
  if (keysOnly || step.send.length > 200) {
    p.channel.send({ type: 'input', data: step.send });
    return;
  }
  // Typed as a person would (the echo is part of the recording), then Enter.
  for (const ch of step.send.slice(0, -1)) {
    p.channel.send({ type: 'input', data: ch });
    await sleep(TYPE_DELAY_MS);
  }
  await sleep(150);
  p.channel.send({ type: 'input', data: '\r' });
}

interface Result {
  slide: string;
  pane: string;
  steps: number;
  seconds: number;
  ok: boolean;
  problem?: string;
  file?: string;
}

/** What the slide itself says (text, expected output, notes): errors it mentions are expected. */
function slideText(slide: Slide): string {
  return slide.blocks
    .map((b) =>
      b.kind === 'html' ? b.html : b.kind === 'console' ? b.lines.map((l) => (l.kind === 'output' ? l.text : '')).join('\n') : '',
    )
    .concat(slide.notesText ?? '')
    .join('\n');
}

async function main(): Promise<number> {
  // An argument that is a path names the deck (`npm run record -- slides/processes`); the others are slide ids.
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const deckArg = args.find((a) => a.includes('/') || existsSync(a));
  const config = loadConfig(deckArg ? { ...process.env, LECTURE_DECK: resolve(deckArg) } : process.env);
  const only = args.filter((a) => a !== deckArg);
  const folder = loadDeckFolder(config.deck, { repoRoot: config.repoRoot });
  const deck = folder.deck;
  const catalogue = folder.environments.map((e) => e.spec);
  const demos = deck.slides.filter((s) => demoSteps(s).size > 0 && (only.length === 0 || only.includes(s.id)));
  if (demos.length === 0) {
    console.error(only.length ? `No demo slide named ${only.join(', ')}.` : 'The deck has no demo slides.');
    return 2;
  }
  const panes = panesOf(deck);
  const environments = new Map(catalogue.map((e) => [e.id, e]));
  const backend = new DockerBackend({ log: (line) => log(`docker: ${line}`) });
  const health = await backend.health();
  if (!health.ok) {
    console.error(`${health.problem} ${health.fix}`);
    return 2;
  }
  // Shared environments (the lab) start from their seeded state, as at the start of a lecture.
  const used = new Set(demos.flatMap((s) => [...demoSteps(s).keys()].map((pane) => panes.get(pane))));
  for (const env of catalogue) {
    if (env.lifecycle === 'shared' && env.reset && used.has(env.id)) {
      log(`resetting ${env.id}…`);
      const code = await backend.runInShared(env, env.reset);
      if (code !== 0) {
        console.error(`The reset of ${env.id} failed (exit ${code}).`);
        return 2;
      }
    }
  }
  const secret = newSecret();
  const server = await startLectureServer({
    backend,
    environments: catalogue,
    secret,
    port: 0,
    host: '127.0.0.1',
    panes,
    recordingsDir: config.recordingsDir,
    log: (line) => log(`server: ${line}`),
  });
  // Ctrl-C: remove the containers (the server does), then stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping, removing the containers…`);
      void server.close().finally(() => process.exit(130));
    });
  }
  const socket = new PresenterSocket(`ws://127.0.0.1:${server.port}${WS_PATH}`, secret);
  const results: Result[] = [];
  const started = Date.now();
  try {
    await socket.ready();
    const channels = new Map<string, PaneChannel>();
    for (const slide of demos) {
      for (const [pane, steps] of demoSteps(slide)) {
        const env = panes.get(pane);
        const name = recordingName(slide, pane) ?? slide.id;
        const result: Result = { slide: name, pane, steps: steps.length, seconds: 0, ok: false };
        results.push(result);
        if (!env || !environments.has(env)) {
          result.problem = `pane ${pane} has no environment`;
          continue;
        }
        let p = channels.get(pane);
        if (!p || p.state === 'exited' || p.state === 'error') {
          log(`${slide.id}: opening ${pane} (${env})…`);
          p = socket.open(pane, env);
          channels.set(pane, p);
          const up = await socket.until(p, () => p?.state === 'ready' || p?.state === 'error', 240_000);
          if (!up || p.state !== 'ready') {
            result.problem = `the shell did not start: ${p.message ?? 'timeout'}`;
            continue;
          }
          p.since = '';
          if ((await settle(socket, p, 30_000, true)) === 'timeout') {
            result.problem = 'the shell showed no prompt';
            continue;
          }
        }
        const pc = p;
        // Each demo on its own screen, as the deck does at a demo's first step: nothing of the
        // previous demo in the recording, its replay or its PDF page.
        if (SHELL_PROMPT.test(cursorLine(pc.screen).trimEnd())) {
          pc.since = '';
          pc.channel.send({ type: 'input', data: CLEAR_DISPLAY });
          await settle(socket, pc, 5_000, true, 1000);
        }
        pc.recording = undefined;
        pc.channel.send({ type: 'record', action: 'start' });
        if (!(await socket.until(pc, () => pc.recording?.recording === true, 10_000))) {
          result.problem = 'the server did not start recording';
          continue;
        }
        log(`${slide.id}: recording ${pane}, ${steps.length} steps`);
        for (const [i, step] of steps.entries()) {
          pc.since = '';
          await typeStep(pc, step);
          const keysOnly = !step.send.endsWith('\r') || step.send === '\r';
          // A step announced as long (`# wait: N` over the default) ends only at the prompt: a
          // build or a pull may be quiet for a while.
          const quietNoPrompt = step.waitSeconds > 15 ? Number.POSITIVE_INFINITY : QUIET_NO_PROMPT_MS;
          const how = await settle(socket, pc, step.waitSeconds * 1000, keysOnly, quietNoPrompt);
          if (pc.state === 'error' || pc.state === 'exited') {
            result.problem ??= `step ${i + 1} (${step.display}): the shell ${pc.state === 'error' ? `failed: ${pc.message}` : 'exited'}`;
            break;
          }
          if (how === 'timeout') {
            result.problem ??= `step ${i + 1} (${step.display}) did not finish within ${step.waitSeconds} s`;
            // Interrupt it, so the next demos start from a prompt.
            pc.channel.send({ type: 'input', data: '\x03' });
            await settle(socket, pc, 5_000, true);
            break;
          }
        }
        await sleep(500);
        pc.channel.send({ type: 'record', action: 'stop' });
        await socket.until(pc, () => pc.recording?.recording === false, 10_000);
        const recording = pc.recording as PaneChannel['recording'];
        const live = recording?.file;
        if (!live) {
          result.problem ??= 'the server wrote no recording';
          continue;
        }
        const target = join(config.recordingsDir, `${name}.cast`);
        // Real timings, with long pauses (an image build's quiet minute) shortened.
        const cast = capIdle(parseCast(readFileSync(join(config.recordingsDir, live), 'utf8')), IDLE_CAP_SECONDS);
        writeFileSync(target, formatCast(cast));
        rmSync(join(config.recordingsDir, live));
        result.file = target;
        result.seconds = cast.duration;
        // The check on the output: errors the slide does not announce.
        const firstFrame = cast.events.filter((e) => e[0] === 0).length;
        const output = cast.events
          .slice(firstFrame)
          .map((e) => (e[1] === 'o' ? e[2] : ''))
          .join('');
        const expected = slideText(slide);
        const bad = FAILURE_PATTERNS.find((pattern) => output.includes(pattern) && !expected.includes(pattern));
        if (bad) result.problem ??= `the output says "${bad}"`;
        result.ok = result.problem === undefined;
        log(`${slide.id}: ${result.ok ? 'ok' : `FAILED: ${result.problem}`} (${result.seconds.toFixed(1)} s)`);
      }
    }
  } finally {
    socket.close();
    await server.close();
    // Leave the presenter's own live recordings alone: remove the folder only if it is empty.
    try {
      rmdirSync(join(config.recordingsDir, 'live'));
    } catch {}
  }

  const width = Math.max(5, ...results.map((r) => r.slide.length));
  console.log('');
  console.log(`${'slide'.padEnd(width)}  steps  duration  result`);
  for (const r of results) {
    console.log(
      `${r.slide.padEnd(width)}  ${String(r.steps).padStart(5)}  ${`${r.seconds.toFixed(1)} s`.padStart(8)}  ${r.ok ? 'ok' : `FAILED: ${r.problem}`}`,
    );
  }
  const failed = results.filter((r) => !r.ok);
  console.log(
    `\n${results.length - failed.length} of ${results.length} demos recorded in ${Math.round((Date.now() - started) / 1000)} s into ${config.recordingsDir}`,
  );
  if (failed.length) {
    console.error(`Failed demos: ${failed.map((r) => r.slide).join(', ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
