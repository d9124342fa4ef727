import type { EnvironmentSpec } from './environment.js';
import { type BackendHealth, type ContainerBackend, type Disposable, Emitter, type OpenShellOptions, type Shell } from './backend.js';

/**
 * An in-memory backend for fast unit tests of session logic: a "shell" that echoes its input
 * and answers a few commands. Never the proof that a feature works: that is the Docker tests.
 */
export class FakeBackend implements ContainerBackend {
  readonly shells = new Set<FakeShell>();
  healthy = true;

  async health(): Promise<BackendHealth> {
    return this.healthy ? { ok: true, engine: 'fake' } : { ok: false, problem: 'The fake engine is down.', fix: 'Set healthy = true.' };
  }

  async openShell(options: OpenShellOptions): Promise<Shell> {
    const shell = new FakeShell(`fake-${options.sessionId}`, options.cols, options.rows, () => this.shells.delete(shell));
    this.shells.add(shell);
    // After the caller has subscribed, as a real pty's first output would be.
    setTimeout(() => shell.emit('$ '), 0);
    return shell;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.shells].map((s) => s.dispose()));
  }
}

export class FakeShell implements Shell {
  private readonly data = new Emitter<string>();
  private readonly exit = new Emitter<{ exitCode: number }>();
  paused = false;
  disposed = false;
  written = '';
  private pending: string[] = [];

  constructor(
    readonly containerId: string,
    public cols: number,
    public rows: number,
    private readonly onDispose: () => void,
  ) {}

  onData(listener: (data: string) => void): Disposable {
    return this.data.on(listener);
  }
  onExit(listener: (e: { exitCode: number }) => void): Disposable {
    return this.exit.on(listener);
  }
  /** Output as if the shell printed it; held back while paused, like a real pty. */
  emit(data: string): void {
    if (this.paused) this.pending.push(data);
    else this.data.fire(data);
  }
  write(data: string): void {
    this.written += data;
    if (data === 'exit\r') {
      this.exit.fire({ exitCode: 0 });
      return;
    }
    this.emit(data.replace(/\r/g, '\r\n'));
  }
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) this.data.fire(chunk);
  }
  async dispose(): Promise<void> {
    this.disposed = true;
    this.onDispose();
  }
}

/** A small per-session environment for unit tests of the session logic (never started for real). */
export function testEnvironment(overrides: Partial<EnvironmentSpec> = {}): EnvironmentSpec {
  return {
    id: 'sandbox',
    description: 'test sandbox',
    image: 'lecture/sandbox',
    user: 'student',
    shell: ['bash', '-l'],
    workdir: '/home/student',
    lifecycle: 'per-session',
    command: ['sleep', 'infinity'],
    limits: { memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pids: 64 },
    network: 'none',
    readOnlyRoot: true,
    ...overrides,
  };
}
