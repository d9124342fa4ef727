import type { ContainerBackend, EnvironmentSpec } from '@lecture/containers';
import type { StartQueue } from './sandboxes.js';
import { type OutputRate, Session } from './session.js';

export interface SessionRegistryOptions {
  readonly backend: ContainerBackend;
  readonly environments: ReadonlyMap<string, EnvironmentSpec>;
  readonly log?: (line: string) => void;
  /** For every session: how long a departed pacing driver holds the shell (Session). */
  readonly pacerGraceMs?: number;
  /** For every session: how far the server's screen may lag before it drops to a snapshot. */
  readonly screenIdleMs?: number;
}

/**
 * All live sessions, by key. A presenter pane's key is its pane id, so every browser of the
 * lecturer (and every mirror) reaches the same shell; a sandbox's key includes its owner.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /** Ids of the sessions this server created (bounded): an unknown one means a restart. */
  private readonly ids = new Set<string>();

  constructor(private readonly options: SessionRegistryOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Whether this server created a session with this id (now or earlier in its run). */
  issued(id: string): boolean {
    return this.ids.has(id);
  }

  get(key: string): Session | undefined {
    return this.sessions.get(key);
  }

  /** The session for `key`, created (without a shell yet) if there is none. */
  getOrCreate(args: {
    key: string;
    pane: string;
    environment: EnvironmentSpec;
    cols: number;
    rows: number;
    queue?: StartQueue;
    owner?: string;
    outputRate?: OutputRate;
  }): Session {
    const existing = this.sessions.get(args.key);
    if (existing && existing.environment.id === args.environment.id) return existing;
    if (existing) void existing.end('The pane now uses another environment.');
    const session = new Session({
      ...args,
      backend: this.options.backend,
      log: this.options.log,
      pacerGraceMs: this.options.pacerGraceMs,
      screenIdleMs: this.options.screenIdleMs,
      onEnded: (s) => {
        if (this.sessions.get(s.key) === s) this.sessions.delete(s.key);
      },
    });
    this.sessions.set(args.key, session);
    this.ids.add(session.id);
    if (this.ids.size > 10_000) this.ids.delete(this.ids.values().next().value as string);
    return session;
  }

  /** Sessions whose key starts with `prefix` (e.g. every audience sandbox), optionally of one owner. */
  /** Sessions under `prefix` past starting: their container is theirs (taken from a warm pool or made). */
  countStarted(prefix: string): number {
    let n = 0;
    for (const [key, session] of this.sessions) if (key.startsWith(prefix) && session.state !== 'starting') n++;
    return n;
  }

  count(prefix: string, owner?: string): number {
    let n = 0;
    for (const [key, session] of this.sessions) {
      if (key.startsWith(prefix) && (owner === undefined || session.owner === owner)) n++;
    }
    return n;
  }

  /**
   * End the sessions under `prefix` that nobody watches any more (after `graceMs`) or nobody
   * typed into for `idleMs`. Returns how many were ended.
   */
  reap(prefix: string, limits: { graceMs: number; idleMs: number }, now = Date.now()): number {
    let ended = 0;
    for (const [key, session] of this.sessions) {
      if (!key.startsWith(prefix)) continue;
      const idle = now - session.lastActive;
      if ((session.attachedCount === 0 && idle > limits.graceMs) || idle > limits.idleMs) {
        void session.end(
          session.attachedCount === 0 ? 'The sandbox was removed after you left.' : 'The sandbox was removed after a long idle time.',
        );
        ended++;
      }
    }
    return ended;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.all().map((s) => s.end('The server is stopping.')));
  }
}
