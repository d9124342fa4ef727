import { createRequire } from 'node:module';
import type { SerializeAddon as SerializeAddonType } from '@xterm/addon-serialize';
import type { Terminal as TerminalType } from '@xterm/headless';

// Both packages are CommonJS; load them the Node way.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

/**
 * The server's copy of a terminal screen, kept by a headless xterm.js. A late joiner or a
 * viewer that fell behind gets this screen instead of a replay of everything since the start.
 */
export class Screen {
  private readonly terminal: TerminalType;
  private readonly serializer: SerializeAddonType;
  /** Position (characters of output) that the headless terminal has parsed up to. */
  private parsed = 0;
  private written = 0;

  constructor(cols: number, rows: number, scrollback = 1000) {
    this.terminal = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer as never);
  }

  get cols(): number {
    return this.terminal.cols;
  }
  get rows(): number {
    return this.terminal.rows;
  }

  write(data: string): void {
    this.written += data.length;
    const end = this.written;
    this.terminal.write(data, () => {
      this.parsed = end;
    });
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  /** The screen as escape sequences, and the output position it corresponds to. */
  snapshot(scrollback = 200): { data: string; seq: number } {
    return { data: this.serializer.serialize({ scrollback }), seq: this.parsed };
  }

  /** Resolves once everything written so far is parsed (tests, orderly shutdown). */
  flush(): Promise<void> {
    return new Promise((resolve) => this.terminal.write('', resolve));
  }

  dispose(): void {
    this.serializer.dispose();
    this.terminal.dispose();
  }
}
