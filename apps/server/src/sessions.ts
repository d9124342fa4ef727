import type { ContainerBackend, EnvironmentSpec } from '@lecture/containers';
import { Session } from './session.js';

export interface SessionRegistryOptions {
  readonly backend: ContainerBackend;
  readonly environments: ReadonlyMap<string, EnvironmentSpec>;
  readonly log?: (line: string) => void;
}

/**
 * All live sessions, by key. A presenter pane's key is its pane id, so every browser of the
 * lecturer (and every mirror) reaches the same shell; a sandbox's key includes its owner.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: SessionRegistryOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(key: string): Session | undefined {
    return this.sessions.get(key);
  }

  /** The session for `key`, created (without a shell yet) if there is none. */
  getOrCreate(args: { key: string; pane: string; environment: EnvironmentSpec; cols: number; rows: number }): Session {
    const existing = this.sessions.get(args.key);
    if (existing && existing.environment.id === args.environment.id) return existing;
    if (existing) void existing.end('The pane now uses another environment.');
    const session = new Session({
      ...args,
      backend: this.options.backend,
      log: this.options.log,
      onEnded: (s) => {
        if (this.sessions.get(s.key) === s) this.sessions.delete(s.key);
      },
    });
    this.sessions.set(args.key, session);
    return session;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.all().map((s) => s.end('The server is stopping.')));
  }
}
