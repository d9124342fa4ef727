import type { EnvironmentSpec } from './environment.js';
import {
  type BackendHealth,
  type ContainerBackend,
  type Disposable,
  Emitter,
  type Listener,
  type OpenShellOptions,
  type RunInSharedOptions,
  type SharedStateEvent,
  type Shell,
  withTimeout,
} from './backend.js';

/** A shared environment of the fake: a container id that can die. */
interface FakeShared {
  readonly id: string;
  alive: boolean;
}

/**
 * An in-memory backend for fast unit tests of session logic: a "shell" that echoes its input
 * and answers a few commands. Never the proof that a feature works: that is the Docker tests.
 */
export class FakeBackend implements ContainerBackend {
  readonly shells = new Set<FakeShell>();
  healthy = true;
  /** Commands run with runInShared, in order (environment id and command). */
  readonly sharedRuns: { environment: string; command: readonly string[] }[] = [];
  /** What runInShared's commands exit with; `hang` never finishes (a wedged inner engine). */
  sharedExit: number | 'hang' = 0;
  /** Shared containers created so far (the lab recreated after a death counts again). */
  sharedCreated = 0;
  /** When set, starting a shared container fails with this message (a broken image, say). */
  sharedStartError: string | undefined;
  private readonly shared = new Map<string, FakeShared>();
  private readonly sharedStates = new Emitter<SharedStateEvent>();
  private nextShared = 1;
  private nextContainer = 1;

  async health(): Promise<BackendHealth> {
    return this.healthy ? { ok: true, engine: 'fake' } : { ok: false, problem: 'The fake engine is down.', fix: 'Set healthy = true.' };
  }

  async openShell(options: OpenShellOptions): Promise<Shell> {
    const env = options.environment;
    const containerId = env.lifecycle === 'shared' ? this.liveShared(env).id : `fake-${options.sessionId}-${this.nextContainer++}`;
    const shell = new FakeShell(containerId, options.cols, options.rows, () => this.shells.delete(shell), env);
    this.shells.add(shell);
    // After the caller has subscribed, as a real pty's first output would be.
    setTimeout(() => shell.emit('$ '), 0);
    return shell;
  }

  /** What `prestart` was last asked to keep ready, per environment (the fake starts nothing). */
  readonly prestarted = new Map<string, number>();

  prestart(env: EnvironmentSpec, count: number): void {
    this.prestarted.set(env.id, count);
  }

  async warmUp(env: EnvironmentSpec): Promise<void> {
    this.liveShared(env);
  }

  async runInShared(env: EnvironmentSpec, command: readonly string[], options: RunInSharedOptions = {}): Promise<number> {
    this.liveShared(env);
    this.sharedRuns.push({ environment: env.id, command });
    const exit = this.sharedExit;
    const run = exit === 'hang' ? new Promise<number>(() => {}) : Promise.resolve(exit);
    return options.timeoutMs ? withTimeout(run, options.timeoutMs, `"${command.join(' ')}" in ${env.id}`) : run;
  }

  async recreateShared(env: EnvironmentSpec): Promise<void> {
    this.killShared(env.id);
    this.liveShared(env);
  }

  onSharedState(listener: Listener<SharedStateEvent>): Disposable {
    return this.sharedStates.on(listener);
  }

  /** The shared container of `environment`, if one was started. */
  sharedContainer(environment: string): string | undefined {
    const shared = this.shared.get(environment);
    return shared?.alive ? shared.id : undefined;
  }

  /** As `docker kill` of the shared container: its shells exit, the next use starts a new one. */
  killShared(environment: string): void {
    const shared = this.shared.get(environment);
    if (!shared) return;
    shared.alive = false;
    for (const shell of [...this.shells]) if (shell.containerId === shared.id) shell.exitNow(137);
  }

  private liveShared(env: EnvironmentSpec): FakeShared {
    const existing = this.shared.get(env.id);
    if (existing?.alive) return existing;
    this.sharedStates.fire({ environment: env.id, state: { state: 'starting' } });
    if (this.sharedStartError) {
      this.sharedStates.fire({ environment: env.id, state: { state: 'error', message: this.sharedStartError } });
      throw new Error(this.sharedStartError);
    }
    const shared = { id: `fake-shared-${env.id}-${this.nextShared++}`, alive: true };
    this.shared.set(env.id, shared);
    this.sharedCreated++;
    this.sharedStates.fire({ environment: env.id, state: { state: 'ready' } });
    return shared;
  }

  async dispose(): Promise<void> {
    this.sharedStates.clear();
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
    readonly environment?: EnvironmentSpec,
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
  /** The shell ends (its container died, or it was told to exit). */
  exitNow(exitCode: number): void {
    this.exit.fire({ exitCode });
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
