import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as TerminalType } from '@xterm/headless';

// Both packages are CommonJS; load them the Node way.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

/** Characters the headless terminal may have queued, unparsed, before the screen drops to a snapshot. */
export const DEFAULT_SCREEN_MAX_LAG_CHARS = 4 * 1024 * 1024;
/** How much of the newest output rebuilds the screen after it fell behind (a screen and its scrollback). */
const REBUILD_CHARS = 256 * 1024;

export interface ScreenOptions {
  readonly scrollback?: number;
  /** Unparsed characters allowed before the screen skips ahead (DEFAULT_SCREEN_MAX_LAG_CHARS). */
  readonly maxLagChars?: number;
  /** The newest output (at most `chars` of it) and the position it ends at: what a rebuild replays. */
  readonly recent?: (chars: number) => { data: string; end: number };
}

/**
 * The server's copy of a terminal screen, kept by a headless xterm.js. A late joiner or a
 * viewer that fell behind gets this screen instead of a replay of everything since the start.
 *
 * It never throws and never queues without bound: xterm.js discards (and throws) past 50 MB of
 * unparsed data, and output nobody paces (only viewers attached) can outrun the parser. Past
 * `maxLagChars` unparsed the screen stops taking the stream, lets the parser finish, and rebuilds
 * itself from the newest output (`recent`): the screen is right again, only the scrollback
 * older than that is gone.
 */
export class Screen {
  private readonly terminal: TerminalType;
  private readonly serializer: SerializeAddonType;
  private readonly maxLag: number;
  /** Position (characters of output) that the headless terminal has parsed up to. */
  private parsed = 0;
  private written = 0;
  /** Skipping the stream until the parser is idle; then it rebuilds. */
  private behind = false;
  private disposed = false;
  /** Output of this turn, not yet handed to the terminal (see write). */
  private pending: string[] = [];
  /** Times the screen fell behind and was rebuilt (tests, logs). */
  rebuilds = 0;

  constructor(
    cols: number,
    rows: number,
    private readonly options: ScreenOptions = {},
  ) {
    this.terminal = new Terminal({ cols, rows, scrollback: options.scrollback ?? 1000, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer as never);
    this.maxLag = options.maxLagChars ?? DEFAULT_SCREEN_MAX_LAG_CHARS;
  }

  get cols(): number {
    return this.terminal.cols;
  }
  get rows(): number {
    return this.terminal.rows;
  }
  /** Whether the screen is skipping output to catch up (it will rebuild itself). */
  get isBehind(): boolean {
    return this.behind;
  }

  /**
   * Output is handed to the headless terminal once per turn of the event loop, joined, instead
   * of once per pty read: a flood of 4 KiB reads costs one write and one parse callback per turn.
   * What is still pending is not in `parsed`, so a snapshot meanwhile is completed from the ring
   * (Session.catchUp), and stays exact.
   */
  write(data: string): void {
    this.pending.push(data);
    if (this.pending.length === 1) setImmediate(() => this.drain());
  }

  private drain(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.written += data.length;
    if (this.behind || this.disposed) return;
    if (this.written - this.parsed > this.maxLag) return this.fallBehind();
    const end = this.written;
    try {
      this.terminal.write(data, () => {
        this.parsed = end;
      });
    } catch {
      this.fallBehind();
    }
  }

  private fallBehind(): void {
    this.behind = true;
    // The empty write's callback runs once everything queued before it is parsed.
    this.terminal.write('', () => this.rebuild());
  }

  private rebuild(): void {
    if (this.disposed) return;
    this.rebuilds++;
    const recent = this.options.recent?.(REBUILD_CHARS) ?? { data: '', end: this.written + this.pendingChars() };
    // The newest output includes what this turn still holds: it is not written twice.
    this.pending = [];
    this.written = recent.end;
    this.terminal.reset();
    this.behind = false;
    const end = recent.end;
    this.terminal.write(recent.data, () => {
      this.parsed = end;
    });
  }

  private pendingChars(): number {
    let chars = 0;
    for (const p of this.pending) chars += p.length;
    return chars;
  }

  resize(cols: number, rows: number): void {
    // What was printed before the resize was printed for the old size.
    this.drain();
    this.terminal.resize(cols, rows);
  }

  /** The screen as escape sequences, and the output position it corresponds to. */
  snapshot(scrollback = 200): { data: string; seq: number } {
    return { data: this.serializer.serialize({ scrollback }), seq: this.parsed };
  }

  /** Resolves once everything written so far is parsed (tests, orderly shutdown). */
  flush(): Promise<void> {
    this.drain();
    return new Promise((resolve) => {
      const settle = () => (this.behind ? setTimeout(settle, 5) : this.terminal.write('', resolve));
      settle();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.serializer.dispose();
    this.terminal.dispose();
  }
}
