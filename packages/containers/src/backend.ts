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

export type BackendHealth = { readonly ok: true; readonly engine: string } | ({ readonly ok: false } & BackendProblem);

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
  onExit(listener: Listener<{ exitCode: number }>): Disposable;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  dispose(): Promise<void>;
}

/** The container backend: a small interface so the server can be tested without Docker. */
export interface ContainerBackend {
  health(): Promise<BackendHealth>;
  openShell(options: OpenShellOptions): Promise<Shell>;
  /** Remove everything this backend created (containers, shared environments). */
  dispose(): Promise<void>;
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
  private readonly listeners = new Set<Listener<T>>();
  on(listener: Listener<T>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  clear(): void {
    this.listeners.clear();
  }
}
