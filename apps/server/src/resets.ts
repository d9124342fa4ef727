import { type ContainerBackend, type EnvironmentSpec, describe, withTimeout } from '@lecture/containers';
import type { LectureHall } from './hall.js';
import type { SessionRegistry } from './sessions.js';

/** Prefix of the session keys of the presenter's panes. */
export const PRESENTER_PREFIX = 'presenter:';

/** A reset that has not finished after this long has failed: the strip says so, never "resetting" forever. */
export const DEFAULT_RESET_TIMEOUT_MS = 120_000;

export interface DemoResetsOptions {
  readonly backend: ContainerBackend;
  readonly environments: ReadonlyMap<string, EnvironmentSpec>;
  readonly sessions: SessionRegistry;
  readonly hall: LectureHall;
  /** The environments the deck's panes use (pane id → environment id); all shared ones if absent. */
  readonly panes?: ReadonlyMap<string, string>;
  /** Bound on each step of a reset (the reset command, recreating a container). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Rehearsal, then the lecture: returns the demos to where a lecture starts. A shared
 * environment (the Docker lab) runs its reset command, or, if that fails, hangs or the container
 * is gone, is thrown away and started again from its image; either way its state ends `ready` or
 * `error` with a message. Then every presenter pane gets a fresh shell (a new container for a
 * per-session environment such as the Apptainer shell) in the environment's working directory,
 * its screen cleared and saying that it was reset.
 */
export class DemoResets {
  private readonly running = new Map<string, Promise<boolean>>();
  private all: Promise<boolean> | undefined;

  constructor(private readonly options: DemoResetsOptions) {}

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_RESET_TIMEOUT_MS;
  }

  /** The shared environments the deck uses. */
  sharedEnvironments(): EnvironmentSpec[] {
    const used = this.options.panes ? new Set(this.options.panes.values()) : undefined;
    return [...this.options.environments.values()].filter((e) => e.lifecycle === 'shared' && (!used || used.has(e.id)));
  }

  /** Every demo: shared environments first, then the presenter's shells. True when all went well. */
  resetDemos(): Promise<boolean> {
    this.all ??= (async () => {
      const shared = await Promise.all(this.sharedEnvironments().map((env) => this.resetShared(env)));
      const shells = await this.renewShells(() => true);
      return shared.every(Boolean) && shells;
    })().finally(() => {
      this.all = undefined;
    });
    return this.all;
  }

  /** One shared environment and the presenter's shells in it (the strip's older "Reset lab"). */
  async resetEnvironment(id: string): Promise<boolean> {
    const env = this.options.environments.get(id);
    if (env?.lifecycle !== 'shared') throw new Error(`${id} is not a shared environment`);
    const ok = await this.resetShared(env);
    return (await this.renewShells((envId) => envId === id)) && ok;
  }

  /** Reset a shared environment; concurrent calls share one run. Never rejects. */
  resetShared(env: EnvironmentSpec): Promise<boolean> {
    let pending = this.running.get(env.id);
    if (!pending) {
      pending = this.runReset(env).finally(() => this.running.delete(env.id));
      this.running.set(env.id, pending);
    }
    return pending;
  }

  private async runReset(env: EnvironmentSpec): Promise<boolean> {
    const { backend, hall, log } = this.options;
    hall.environment({ type: 'env-state', env: env.id, state: 'resetting' });
    let why = 'it has no reset command';
    if (env.reset) {
      try {
        const code = await backend.runInShared(env, env.reset, { timeoutMs: this.timeoutMs });
        if (code === 0) {
          hall.environment({ type: 'env-state', env: env.id, state: 'ready' });
          return true;
        }
        why = `${env.reset.join(' ')} exited with ${code}`;
      } catch (error) {
        why = describe(error);
      }
    }
    // The reset command could not do it: a new container from the image is the seeded state.
    log?.(`reset of ${env.id}: ${why}; starting a new container`);
    try {
      await withTimeout(backend.recreateShared(env), this.timeoutMs, `starting a new ${env.id} container`);
      hall.environment({ type: 'env-state', env: env.id, state: 'ready' });
      return true;
    } catch (error) {
      const message = `The reset failed: ${why}, and a new container did not start (${describe(error)}).`;
      log?.(`reset of ${env.id}: ${message}`);
      hall.environment({ type: 'env-state', env: env.id, state: 'error', message });
      return false;
    }
  }

  private async renewShells(which: (environment: string) => boolean): Promise<boolean> {
    const sessions = this.options.sessions.all().filter((s) => s.key.startsWith(PRESENTER_PREFIX) && which(s.environment.id));
    const results = await Promise.all(
      sessions.map(async (session) => {
        const env = session.environment;
        const notice =
          env.lifecycle === 'shared'
            ? `Reset: the ${env.id} is back to its seeded state; a fresh shell in ${env.workdir}`
            : `Reset: a fresh ${env.id} container; a fresh shell in ${env.workdir}`;
        try {
          await withTimeout(session.renew(notice), this.timeoutMs, `a fresh shell for ${session.pane}`);
          return session.state !== 'error';
        } catch (error) {
          this.options.log?.(`reset of pane ${session.pane}: ${describe(error)}`);
          return false;
        }
      }),
    );
    return results.every(Boolean);
  }
}
