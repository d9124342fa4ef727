import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as TerminalType } from '@xterm/headless';

// Both packages are CommonJS; load them the Node way.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

/** How long the output must be quiet before the screen parses it, in ms. */
export const DEFAULT_SCREEN_IDLE_MS = 50;
/** How much of the newest output rebuilds the screen after the ring dropped what it had not parsed. */
export const REBUILD_CHARS = 256 * 1024;
/**
 * Lines of scrollback a snapshot carries, and all the headless terminal keeps: more would be
 * parsed and held for nobody. With 1 000 kept, a rebuild after a flood (REBUILD_CHARS of `seq`)
 * took 47-128 ms against 32-44 ms, and each session held five times the lines.
 */
export const SNAPSHOT_SCROLLBACK_LINES = 200;

/** The session's output, addressed by position: what the screen parses from (the OutputRing). */
export interface OutputSource {
  /** Position of the oldest character still held. */
  readonly begin: number;
  /** Position just after the newest character. */
  readonly end: number;
  /** The output after `position`, or undefined when it is no longer held. */
  since(position: number): string | undefined;
}

export interface ScreenOptions {
  /** Quiet time before the screen parses what was printed (DEFAULT_SCREEN_IDLE_MS). */
  readonly idleMs?: number;
}

/** A copy of the screen and the output position it corresponds to exactly. */
export interface ScreenSnapshot {
  readonly data: string;
  readonly seq: number;
}

/**
 * The server's copy of a terminal screen, kept by a headless xterm.js. A late joiner or a
 * viewer that fell behind gets this screen (and the output after it, from the ring) instead
 * of a replay of everything since the start.
 *
 * Parsing every byte as it arrives was half of the server's CPU per megabyte, and it ran on
 * the main thread that also echoes the lecturer's keys. So the screen parses lazily: it reads
 * from the session's ring once the output has been quiet for `idleMs`, or when a snapshot is
 * asked for. Output that streams without pause (a flood, `yes`) is never parsed as it passes;
 * if the ring drops output the screen has not parsed, the screen rebuilds itself from the
 * newest REBUILD_CHARS when it is next needed (only the scrollback older than that is gone).
 *
 * A snapshot is only taken when the headless terminal is exactly at a known position (nothing
 * queued in it); `whenReady` says when that is. It never throws: xterm.js's own limit (it
 * discards past 50 MB queued) cannot be reached, since it is only given what the ring holds.
 */
export class Screen {
  private readonly terminal: TerminalType;
  private readonly serializer: SerializeAddonType;
  private readonly idleMs: number;
  /** Position the headless terminal has parsed up to (its state is exactly that output's). */
  private parsed = 0;
  /** Position handed to the headless terminal (parsed once its write callback runs). */
  private queued = 0;
  /** Writes handed to the terminal whose callbacks have not run. */
  private inFlight = 0;
  private lastOutput = 0;
  /** The session holds the shell (flow control): its output is held back, not over. */
  private held = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: ((snapshot: ScreenSnapshot) => void)[] = [];
  private disposed = false;
  /** Times the ring had dropped unparsed output and the screen was rebuilt (tests, logs). */
  rebuilds = 0;
  /** Characters parsed in all (tests, the benchmarks): far fewer than printed in a flood. */
  parsedChars = 0;

  constructor(
    cols: number,
    rows: number,
    private readonly source: OutputSource,
    options: ScreenOptions = {},
  ) {
    this.terminal = new Terminal({ cols, rows, scrollback: SNAPSHOT_SCROLLBACK_LINES, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer as never);
    this.idleMs = options.idleMs ?? DEFAULT_SCREEN_IDLE_MS;
  }

  get cols(): number {
    return this.terminal.cols;
  }
  get rows(): number {
    return this.terminal.rows;
  }

  /** New output is in the source: parse it once the output is quiet. Costs nothing per chunk. */
  written(): void {
    this.lastOutput = Date.now();
    if (this.idleTimer || this.disposed) return;
    this.idleTimer = setTimeout(() => this.onIdleTimer(), this.idleMs);
    this.idleTimer.unref?.();
  }

  /**
   * The session paused the shell because a browser is behind (flow control) or its output rate
   * is spent: the quiet that follows is not the end of the output. A flood paced by the
   * lecturer's browser pauses for 50-150 ms at a time, and parsing at each pause cost the
   * server as much CPU per MB as the rest of the output path together. Quiet counts again from
   * the release; a snapshot asked for meanwhile is still served at once (`whenReady`).
   */
  hold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (!held && this.queued < this.source.end) this.written();
  }

  private onIdleTimer(): void {
    this.idleTimer = undefined;
    if (this.held) return; // hold(false) starts the wait again
    const quietFor = Date.now() - this.lastOutput;
    if (quietFor < this.idleMs) {
      // Still printing: look again when it may have stopped (one timer, not one per chunk).
      this.idleTimer = setTimeout(() => this.onIdleTimer(), this.idleMs - quietFor);
      this.idleTimer.unref?.();
      return;
    }
    this.catchUp();
  }

  /** Hand the terminal what it lacks: the rest of the output, or the newest part after a gap. */
  private catchUp(): void {
    if (this.disposed) return;
    const end = this.source.end;
    if (this.queued === end) return this.settle();
    let data = this.source.since(this.queued);
    if (data === undefined) {
      // The ring dropped output the screen never parsed: start again from the newest part. The
      // reset travels as data (RIS), so it lands after anything still queued in the terminal.
      this.rebuilds++;
      const from = Math.max(this.source.begin, end - REBUILD_CHARS);
      data = `\x1bc${this.source.since(from) ?? ''}`;
    }
    this.queued = end;
    this.inFlight++;
    this.parsedChars += data.length;
    this.terminal.write(data, () => {
      this.inFlight--;
      this.parsed = end;
      this.settle();
    });
  }

  /** Serve the snapshots asked for once the terminal is exactly at a position. */
  private settle(): void {
    if (this.inFlight > 0 || this.waiters.length === 0 || this.disposed) return;
    const waiters = this.waiters;
    this.waiters = [];
    const snapshot = this.snapshotNow();
    for (const waiter of waiters) waiter(snapshot);
  }

  private snapshotNow(): ScreenSnapshot {
    return { data: this.serializer.serialize({ scrollback: SNAPSHOT_SCROLLBACK_LINES }), seq: this.parsed };
  }

  /**
   * The screen, as escape sequences, and the exact output position it corresponds to; what was
   * printed after it is in the ring (the caller sends it). Synchronous when the terminal is at
   * rest (nothing queued in it), which is the common case; otherwise once it is. Output printed
   * meanwhile is not waited for: the caller sends it from the ring.
   */
  whenReady(callback: (snapshot: ScreenSnapshot) => void): void {
    if (this.disposed) return;
    this.waiters.push(callback);
    // Parse what is there now (rather than at the next quiet moment), so the snapshot holds
    // at most a turn's output less than the ring: the rest travels as output.
    if (this.inFlight === 0) this.catchUp();
  }

  /**
   * What was printed before the resize was printed for the old size: the resize is queued
   * behind it (an empty write's callback runs once everything before it is parsed).
   */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.catchUp();
    if (this.inFlight === 0) {
      this.terminal.resize(cols, rows);
      return;
    }
    this.inFlight++;
    this.terminal.write('', () => {
      this.inFlight--;
      if (!this.disposed) this.terminal.resize(cols, rows);
      this.settle();
    });
  }

  /** Resolves once everything written so far is parsed (tests, orderly shutdown). */
  flush(): Promise<void> {
    return new Promise((resolve) => this.whenReady(() => resolve()));
  }

  /** For tests: the screen's state now, at the position it has parsed to. */
  peek(): ScreenSnapshot {
    return this.snapshotNow();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    this.waiters = [];
    this.serializer.dispose();
    this.terminal.dispose();
  }
}
