import type { EnvironmentSpec } from './environment.js';

/** Something that owns a resource and gives it back. */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** What the server says when the backend cannot run shells, in words for a lecturer. */
export interface BackendProblem {
  readonly problem: string;
  readonly fix: string;
}

/** Which wall the environments that ask for gVisor get on this engine (said at start-up and in /api/health). */
export interface IsolationReport {
  /** True when the engine has gVisor's runtime registered: those environments run under it. */
  readonly gvisor: boolean;
  /** One line for a lecturer: which wall the sandboxes have. */
  readonly summary: string;
  /** Without gVisor: the one-line way to add it. */
  readonly fix?: string;
}

export type BackendHealth =
  | { readonly ok: true; readonly engine: string; readonly isolation?: IsolationReport }
  | ({ readonly ok: false } & BackendProblem);

export interface OpenShellOptions {
  readonly environment: EnvironmentSpec;
  /** The server's id for the session; labels the container so the server finds what it owns. */
  readonly sessionId: string;
  readonly cols: number;
  readonly rows: number;
}

/**
 * An interactive shell in a container. Output arrives through `onData`; `pause`/`resume` stop
 * reading from the pty (flow control); `dispose` kills the shell and, for a per-session
 * environment, removes its container.
 */
export interface Shell {
  readonly containerId: string;
  onData(listener: Listener<string>): Disposable;
  /** `reason`, when the backend knows why the shell ended (e.g. its container ran out of memory). */
  onExit(listener: Listener<ShellExit>): Disposable;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  dispose(): Promise<void>;
}

/** Where a shared environment (the lab) is in its life: told to the presenter's strip. */
export type SharedState = { readonly state: 'starting' | 'ready' | 'resetting' } | { readonly state: 'error'; readonly message: string };

export interface SharedStateEvent {
  readonly environment: string;
  readonly state: SharedState;
}

export interface RunInSharedOptions {
  /** Give up waiting after this long (the command may still run; recreate the environment then). */
  readonly timeoutMs?: number;
}

export interface ShellExit {
  readonly exitCode: number;
  readonly reason?: string;
}

/** The container backend: a small interface so the server can be tested without Docker. */
export interface ContainerBackend {
  health(): Promise<BackendHealth>;
  /**
   * A shell in the environment: a new container for a per-session environment; an exec into the
   * shared container otherwise, which is created on first use and again if it died.
   */
  openShell(options: OpenShellOptions): Promise<Shell>;
  /**
   * Keep `count` shells of a per-session environment started ahead, each in its own container
   * (a warm pool): `openShell` takes one when there is one, so a student's shell is at its
   * prompt at once (what it printed is held until taken). They are started one at a time, and
   * not while a shell is opening; a lower count removes the extra ones. Pooled shells are fresh:
   * nobody has typed into them.
   */
  prestart(environment: EnvironmentSpec, count: number): void;
  /** Start a shared environment ahead of its first shell (it can take seconds to be ready). */
  warmUp(environment: EnvironmentSpec): Promise<void>;
  /**
   * Run a command as root in a shared environment (created first, or again if it died) and
   * resolve with its exit code; rejects when it does not finish within `timeoutMs`.
   */
  runInShared(environment: EnvironmentSpec, command: readonly string[], options?: RunInSharedOptions): Promise<number>;
  /** Throw a shared environment's container away and start a new one from its image. */
  recreateShared(environment: EnvironmentSpec): Promise<void>;
  /** Shared environments starting, ready or failed (the backend's side; resets are the server's). */
  onSharedState(listener: Listener<SharedStateEvent>): Disposable;
  /** Remove everything this backend created (containers, shared environments). */
  dispose(): Promise<void>;
}

/** What withTimeout rejects with: the operation did not finish in time (a hung engine, say). */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Rejects with a TimeoutError naming `what` when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const seconds = ms >= 1000 ? Math.round(ms / 1000) : ms / 1000;
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${seconds} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Thrown by `openShell` when the failure is the machine's, not the request's. */
export class BackendUnavailableError extends Error implements BackendProblem {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem} ${fix}`);
    this.name = 'BackendUnavailableError';
  }
}

/** A minimal event emitter with disposable subscriptions. */
export class Emitter<T> {
  /**
   * Replaced on (un)subscribe, never changed in place: a fire runs the listeners there were when
   * it began without copying them first. Shells fire once per pty read, on a keystroke's path
   * to its echo; subscriptions are rare.
   */
  private listeners: readonly Listener<T>[] = [];
  on(listener: Listener<T>): Disposable {
    this.listeners = [...this.listeners, listener];
    let subscribed = true;
    return {
      dispose: () => {
        if (!subscribed) return;
        subscribed = false;
        const at = this.listeners.indexOf(listener);
        if (at >= 0) this.listeners = [...this.listeners.slice(0, at), ...this.listeners.slice(at + 1)];
      },
    };
  }
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  clear(): void {
    this.listeners = [];
  }
}
