import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import * as pty from 'node-pty';
import {
  BackendUnavailableError,
  type BackendHealth,
  type ContainerBackend,
  type Disposable,
  Emitter,
  type Listener,
  type IsolationReport,
  type OpenShellOptions,
  type RunInSharedOptions,
  type SharedStateEvent,
  type Shell,
  TimeoutError,
  withTimeout,
  type ShellExit,
} from './backend.js';
import type { EnvironmentSpec } from './environment.js';
import { PtyWriter, ptyMaster } from './pty-writer.js';

/** Labels on every container the server creates, so it can find (and clean up) what it owns. */
export const Labels = {
  MANAGED: 'org.lecture.managed',
  SESSION: 'org.lecture.session',
  ENVIRONMENT: 'org.lecture.environment',
  SERVER_PID: 'org.lecture.server-pid',
  SERVER_HOST: 'org.lecture.server-host',
} as const;

export interface DockerBackendOptions {
  /** dockerode connection options; defaults to DOCKER_HOST or the local socket. */
  readonly docker?: Docker.DockerOptions;
  /** The docker CLI that node-pty runs for the interactive stream. */
  readonly dockerCli?: string;
  readonly log?: (line: string) => void;
  /**
   * Bytes of container log (what a container's main process writes to stdout/stderr) kept on
   * the host per container, at most: a student writing into /proc/1/fd/1 must not fill the
   * host's disk. Default DEFAULT_CONTAINER_LOG_BYTES (LECTURE_CONTAINER_LOG_BYTES).
   */
  readonly logBytes?: number;
  /**
   * The name under which the engine has gVisor's runtime registered (daemon.json `runtimes`);
   * default `runsc`. Empty: never use gVisor. Environments that ask for gVisor run under it when
   * the engine lists this name, otherwise under runc.
   */
  readonly gvisorRuntime?: string;
  /**
   * Every Docker API call gives up after this long (a hung engine must not hang the server):
   * DEFAULT_DOCKER_TIMEOUT_MS (LECTURE_DOCKER_TIMEOUT_MS). The health check uses its own, shorter one.
   */
  readonly apiTimeoutMs?: number;
  /** How long the health check waits for the engine's answer (DEFAULT_HEALTH_TIMEOUT_MS). */
  readonly healthTimeoutMs?: number;
  /**
   * A warm pool starts its next container only after this long without a shell opening
   * (DEFAULT_POOL_QUIET_MS): a burst of students gets the CPU, the pool refills after it.
   */
  readonly poolQuietMs?: number;
}

export const DEFAULT_POOL_QUIET_MS = 1_000;
/** After a pooled container failed to start, the pool tries again this much later. */
const POOL_RETRY_MS = 30_000;

/** A per-session environment's containers started ahead of its shells (see `prestart`). */
interface WarmPool {
  env: EnvironmentSpec;
  /** The environment's settings when its containers were made: a changed deck drains them. */
  key: string;
  target: number;
  /** Shells started ahead, each in its own container, their output held until taken. */
  readonly ready: DockerShell[];
}

/** A Docker API call (create, start, inspect, remove, exec…) that takes longer has failed. */
export const DEFAULT_DOCKER_TIMEOUT_MS = 30_000;
/** /api/health must answer within 2 s even while the engine hangs. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;

/** 2 MiB of json-file log per container (two files of 1 MiB): enough to debug the lab's dockerd. */
export const DEFAULT_CONTAINER_LOG_BYTES = 2 * 1024 * 1024;

const OUTER_DETACH_KEYS = 'ctrl-^,ctrl-^,ctrl-^,ctrl-^';

const ENGINE_FIX = 'Start a Docker Engine (sudo systemctl start docker, or run dockerd) and reload the page.';

/** The one line that adds gVisor to this machine's engine (installs runsc, registers it, reloads). */
export const GVISOR_FIX = 'To add gVisor: sudo bash scripts/add-gvisor.sh (installs runsc, registers it with the engine, reloads it), then restart the server.';

/**
 * Under gVisor the processes of a sandbox are gVisor's, not the host's: its pids limit is held
 * inside gVisor's kernel (RLIMIT_NPROC, counted by the sandbox's own kernel, so other sandboxes'
 * processes do not count; the bomb sees "fork: retry: Resource temporarily unavailable" as under
 * runc). The host cgroup then bounds
 * gVisor's own host threads: on the ptrace platform each guest process is a host stub process
 * with a thread per sentry thread that ran it. A fork bomb at 128 guest processes peaked at
 * 1,643-2,099 host tasks in five runs here: a bound of 1,024 stopped the whole sandbox every
 * time, and 2,048 (16 per guest process) now and then (a CI run lost the bombed sandbox). 32 per
 * guest process leaves the peak half the bound.
 */
export const GVISOR_HOST_TASKS_PER_PROCESS = 32;

/**
 * The Docker implementation: dockerode for the container lifecycle, node-pty running
 * `docker exec -it` for the interactive stream (a real pty, so job control, Ctrl-P Ctrl-Q and
 * full-screen programs behave as in a local terminal).
 */
export class DockerBackend implements ContainerBackend {
  private readonly docker: Docker;
  private readonly cli: string;
  private readonly owned = new Set<string>();
  private readonly shared = new Map<string, Promise<string>>();
  private readonly shells = new Set<DockerShell>();
  private readonly sharedStates = new Emitter<SharedStateEvent>();
  private swept: Promise<void> | undefined;
  private disposed = false;
  private readonly gvisorRuntime: string;
  /** The runtimes the engine has registered, asked once (a new runtime needs a server restart). */
  private registered: Promise<ReadonlySet<string>> | undefined;
  private readonly pools = new Map<string, WarmPool>();
  /** Shells being opened right now, and when the last one began: the pool waits for quiet. */
  private opening = 0;
  private lastOpen = 0;
  private poolTimer: ReturnType<typeof setTimeout> | undefined;
  private poolStarting = false;

  constructor(private readonly options: DockerBackendOptions = {}) {
    this.docker = new Docker(options.docker);
    this.cli = options.dockerCli ?? 'docker';
    this.gvisorRuntime = options.gvisorRuntime ?? 'runsc';
  }

  async health(): Promise<BackendHealth> {
    return this.probe(this.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  }

  /** The engine's health, given `ms` to answer. */
  private async probe(ms: number): Promise<BackendHealth> {
    try {
      // The whole probe is bounded: a hung engine must not hang /api/health.
      const probe = async (): Promise<BackendHealth> => {
        const version = await this.docker.version();
        return {
          ok: true,
          engine: `Docker Engine ${version.Version} (API ${version.ApiVersion})`,
          isolation: await this.isolation(),
        };
      };
      return await withTimeout(probe(), ms, 'the Docker Engine');
    } catch (error) {
      if (error instanceof TimeoutError) {
        return {
          ok: false,
          problem: `The Docker Engine is unresponsive (no answer within ${ms / 1000} s).`,
          fix: 'Restart the Docker Engine (sudo systemctl restart docker) and reload the page.',
        };
      }
      return {
        ok: false,
        problem: `No Docker Engine is reachable (${describe(error)}).`,
        fix: ENGINE_FIX,
      };
    }
  }

  /** A Docker API call, bounded: a hung engine makes it fail with words, not wait forever. */
  private api<T>(what: string, call: Promise<T>): Promise<T> {
    return withTimeout(call, this.options.apiTimeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS, `Docker (${what})`);
  }

  /**
   * Remove what servers that died on this host left behind, before serving (crash recovery).
   * Resolves with how many containers were removed; never rejects.
   */
  async recover(): Promise<number> {
    let removed = 0;
    this.swept ??= this.sweep((n) => {
      removed = n;
    });
    await this.swept;
    return removed;
  }

  async openShell(options: OpenShellOptions): Promise<Shell> {
    this.opening++;
    this.lastOpen = Date.now();
    try {
      return await this.open(options);
    } finally {
      this.opening--;
      this.lastOpen = Date.now();
      this.schedulePool();
    }
  }

  private async open(options: OpenShellOptions): Promise<Shell> {
    if (this.disposed) throw new Error('backend disposed');
    const env = options.environment;
    await this.engineOrThrow();
    await this.sweepStale();
    if (env.lifecycle === 'per-session') {
      const pooled = await this.takePooled(env);
      if (pooled) {
        pooled.resize(options.cols, options.rows);
        pooled.release();
        return pooled;
      }
    }
    const containerId = env.lifecycle === 'shared' ? await this.liveShared(env) : await this.createContainer(env, options.sessionId);
    return this.startShell(env, containerId, options);
  }

  /** `docker exec -it` of the environment's shell in a container, in a pty. */
  private async startShell(env: EnvironmentSpec, containerId: string, size: { cols: number; rows: number }, held = false): Promise<DockerShell> {
    const args = [
      'exec',
      '-it',
      // The outer exec must never detach on Ctrl-P Ctrl-Q: those keys belong to the demo inside
      // (`docker run -it` in the lab). An unlikely sequence instead.
      `--detach-keys=${OUTER_DETACH_KEYS}`,
      '-u',
      env.user,
      '-w',
      env.workdir,
      '-e',
      'TERM=xterm-256color',
      ...Object.entries(env.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      containerId,
      ...env.shell,
    ];
    const removeContainer = env.lifecycle === 'per-session' ? () => this.removeContainer(containerId) : async () => {};
    let processPty: pty.IPty;
    try {
      processPty = pty.spawn(this.cli, args, {
        name: 'xterm-256color',
        cols: size.cols,
        rows: size.rows,
        env: cleanEnv(),
      });
    } catch (error) {
      // No docker CLI, say: the container just made must not outlive the failure.
      await removeContainer();
      throw new BackendUnavailableError(`The docker CLI could not run (${describe(error)}).`, 'Install the docker CLI (docker.io).');
    }
    const shell = new DockerShell({
      containerId,
      process: processPty,
      cleanup: async () => {
        this.shells.delete(shell);
        await removeContainer();
      },
      reasonForExit: env.lifecycle === 'per-session' ? (exitCode) => this.exitReason(containerId, env, exitCode) : async () => undefined,
      startTimeoutMs: this.options.apiTimeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS,
      held,
    });
    this.shells.add(shell);
    if (env.lifecycle === 'per-session') {
      // When the container dies under it (a memory hog under gVisor takes the whole sandbox),
      // `docker exec` can hang instead of ending: end the shell with the container. A long
      // poll, deliberately not bounded by the API timeout; removing the container ends it.
      this.docker
        .getContainer(containerId)
        .wait()
        .then(
          () => shell.containerStopped(),
          () => undefined,
        );
    }
    return shell;
  }

  prestart(env: EnvironmentSpec, count: number): void {
    if (this.disposed || env.lifecycle !== 'per-session') return;
    const key = JSON.stringify(env);
    let pool = this.pools.get(env.id);
    if (!pool) {
      pool = { env, key, target: 0, ready: [] };
      this.pools.set(env.id, pool);
    }
    if (pool.key !== key) {
      // The deck changed this environment: its pooled shells run in containers of the old settings.
      for (const shell of pool.ready.splice(0)) void shell.dispose();
      pool.env = env;
      pool.key = key;
    }
    pool.target = Math.max(0, Math.floor(count));
    for (const shell of pool.ready.splice(pool.target)) void shell.dispose();
    this.schedulePool();
  }

  /** How many pooled shells (each in its own container) of an environment are ready now (for tests and the bench). */
  pooled(environment: string): number {
    return this.pools.get(environment)?.ready.length ?? 0;
  }

  /** A pooled shell of `env` whose container still runs (one that died is removed), or none. */
  private async takePooled(env: EnvironmentSpec): Promise<DockerShell | undefined> {
    const pool = this.pools.get(env.id);
    if (!pool || pool.key !== JSON.stringify(env)) return undefined;
    for (let shell = pool.ready.shift(); shell; shell = pool.ready.shift()) {
      if (!shell.hasExited && (await this.isRunning(shell.containerId))) return shell;
      void shell.dispose();
    }
    return undefined;
  }

  /** Start the next pooled container once no shell has been opening for poolQuietMs. */
  private schedulePool(): void {
    if (this.disposed || this.poolTimer || this.poolStarting) return;
    const wanting = [...this.pools.values()].some((p) => p.ready.length < p.target);
    if (!wanting) return;
    const quietMs = this.options.poolQuietMs ?? DEFAULT_POOL_QUIET_MS;
    const wait = this.opening > 0 ? quietMs : Math.max(0, this.lastOpen + quietMs - Date.now());
    this.poolTimer = setTimeout(() => {
      this.poolTimer = undefined;
      void this.fillPool();
    }, wait);
    this.poolTimer.unref?.();
  }

  private async fillPool(): Promise<void> {
    const quietMs = this.options.poolQuietMs ?? DEFAULT_POOL_QUIET_MS;
    if (this.disposed || this.poolStarting) return;
    if (this.opening > 0 || Date.now() - this.lastOpen < quietMs) return this.schedulePool();
    const pool = [...this.pools.values()].find((p) => p.ready.length < p.target);
    if (!pool) return;
    this.poolStarting = true;
    const { key, env } = pool;
    let failed = false;
    try {
      // No engine (the deck still serves its recordings): try again later, without a word.
      if (!(await this.health()).ok) failed = true;
      else {
        const id = await this.createContainer(env, `pool-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
        // Its shell too, at a common size (resized when taken): its prompt is held until then.
        const shell = await this.startShell(env, id, { cols: 80, rows: 24 }, true);
        // A shell that ends while it waits (its container killed) leaves the pool.
        shell.onExit(() => {
          const at = pool.ready.indexOf(shell);
          if (at < 0) return; // taken: its session handles its end
          pool.ready.splice(at, 1);
          void shell.dispose();
          this.schedulePool();
        });
        // Still wanted, of these settings, by a backend still running: otherwise it goes again.
        if (!this.disposed && pool.key === key && pool.ready.length < pool.target && this.pools.get(env.id) === pool) pool.ready.push(shell);
        else await shell.dispose();
      }
    } catch (error) {
      failed = true;
      this.options.log?.(`could not start a pooled ${env.id} container: ${describe(error)}`);
    } finally {
      this.poolStarting = false;
    }
    // After a failure (an image missing, the engine down), wait before trying again.
    if (failed) {
      this.poolTimer = setTimeout(() => {
        this.poolTimer = undefined;
        this.schedulePool();
      }, POOL_RETRY_MS);
      this.poolTimer.unref?.();
    } else this.schedulePool();
  }

  /** Which wall environments that ask for gVisor get here, in words for a lecturer. */
  async isolation(): Promise<IsolationReport> {
    const gvisor = await this.gvisorAvailable();
    if (gvisor) {
      return {
        gvisor: true,
        summary: `Sandboxes run under gVisor (runtime "${this.gvisorRuntime}"): a user-space kernel between them and the host's, behind the container limits.`,
      };
    }
    const why = this.gvisorRuntime ? `the engine has no "${this.gvisorRuntime}" runtime registered` : 'gVisor is turned off';
    return {
      gvisor: false,
      summary: `Sandboxes run under runc only (${why}): one wall, the container's settings, between them and the host kernel.`,
      fix: GVISOR_FIX,
    };
  }

  /** The OCI runtime an environment gets on this engine: gVisor's when asked for and registered. */
  async runtimeFor(env: EnvironmentSpec): Promise<string> {
    return env.runtime === 'gvisor' && (await this.gvisorAvailable()) ? this.gvisorRuntime : 'runc';
  }

  private async gvisorAvailable(): Promise<boolean> {
    if (!this.gvisorRuntime) return false;
    this.registered ??= this.api('read the engine info', this.docker.info()).then(
      (info: { Runtimes?: Record<string, unknown> }) => new Set(Object.keys(info.Runtimes ?? {})),
      (error: unknown) => {
        // Ask again next time: the engine may come up later.
        this.registered = undefined;
        throw error;
      },
    );
    return (await this.registered).has(this.gvisorRuntime);
  }

  async runInShared(env: EnvironmentSpec, command: readonly string[], options: RunInSharedOptions = {}): Promise<number> {
    const run = this.liveShared(env).then((id) => this.execToEnd(id, command));
    return options.timeoutMs ? withTimeout(run, options.timeoutMs, `"${command.join(' ')}" in ${env.id}`) : run;
  }

  async recreateShared(env: EnvironmentSpec): Promise<void> {
    const pending = this.shared.get(env.id);
    this.shared.delete(env.id);
    const id = await pending?.catch(() => undefined);
    if (id) await this.removeContainer(id);
    await this.sharedContainer(env);
  }

  onSharedState(listener: Listener<SharedStateEvent>): Disposable {
    return this.sharedStates.on(listener);
  }

  warmUp(env: EnvironmentSpec): Promise<void> {
    return this.liveShared(env).then(() => undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.poolTimer);
    // Pooled shells are in `shells` and their containers in `owned`: disposed below with the rest.
    this.pools.clear();
    this.sharedStates.clear();
    await Promise.allSettled([...this.shells].map((s) => s.dispose()));
    const shared = await Promise.allSettled([...this.shared.values()]);
    for (const result of shared) if (result.status === 'fulfilled') this.owned.add(result.value);
    await Promise.allSettled([...this.owned].map((id) => this.removeContainer(id)));
  }

  /**
   * Before a shell: the engine is there. Given the API timeout, not /api/health's second: an
   * engine busy starting a room's sandboxes answers late, and that is not a dead engine (with 1 s,
   * 4 of 30 students opening at once under gVisor were told to restart the engine).
   */
  private async engineOrThrow(): Promise<void> {
    const health = await this.probe(this.options.apiTimeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS);
    if (!health.ok) throw new BackendUnavailableError(health.problem, health.fix);
  }

  private labels(env: EnvironmentSpec, sessionId: string): Record<string, string> {
    return {
      [Labels.MANAGED]: '1',
      [Labels.SESSION]: sessionId,
      [Labels.ENVIRONMENT]: env.id,
      [Labels.SERVER_PID]: String(process.pid),
      [Labels.SERVER_HOST]: hostname(),
    };
  }

  /**
   * Why a per-session shell ended, when its container says so. Under gVisor a memory hog stops
   * the whole sandbox (the host's OOM killer takes gVisor's kernel, which holds all its memory),
   * where runc kills only the hog: the student is told, and New sandbox gives a fresh one.
   */
  private async exitReason(containerId: string, env: EnvironmentSpec, exitCode: number): Promise<string | undefined> {
    // The exec's stream can end a moment before the engine records the container's death: a
    // shell that failed is given up to 2 s for that (a plain `exit` is not kept waiting).
    for (let attempt = 0; attempt < (exitCode === 0 ? 1 : 10); attempt++) {
      try {
        const { State } = await this.api('inspect a container', this.docker.getContainer(containerId).inspect());
        if (State.OOMKilled) {
          return `The sandbox ran out of memory (its limit is ${Math.round(env.limits.memoryBytes / 1024 / 1024)} MiB) and was stopped.`;
        }
        if (!State.Running) return undefined;
      } catch {
        return undefined; // already removed: nothing more to say
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  }

  private async createContainer(env: EnvironmentSpec, sessionId: string): Promise<string> {
    await this.imageOrThrow(env);
    const runtime = await this.runtimeFor(env);
    const creating = this.docker.createContainer({
      Image: env.image,
      Cmd: [...env.command],
      // Unique per session (and per server for shared environments): two servers on one engine
      // (a deck and a test run) never collide.
      name: `lecture-${env.id}-${sessionId.replace(/[^a-zA-Z0-9_.-]/g, 'x')}`,
      Labels: this.labels(env, sessionId),
      WorkingDir: env.workdir,
      Env: Object.entries(env.env ?? {}).map(([k, v]) => `${k}=${v}`),
      HostConfig: hostConfig(env, { runtime, logBytes: this.options.logBytes ?? DEFAULT_CONTAINER_LOG_BYTES }),
      // Anonymous volumes: removed with the container (`remove({ v: true })`).
      Volumes: Object.fromEntries((env.scratchVolumes ?? []).map((path) => [path, {}])),
      NetworkDisabled: env.network === 'none',
    });
    // A create that answers after its timeout must not leave a container behind.
    const container = await this.api('create a container', creating).catch((error: unknown) => {
      creating.then((late) => this.removeContainer(late.id)).catch(() => undefined);
      throw error;
    });
    this.owned.add(container.id);
    try {
      await this.api('start a container', container.start());
      for (const step of env.prepare ?? []) {
        const code = await this.execToEnd(container.id, step);
        if (code !== 0) throw new Error(`prepare step "${step.join(' ')}" exited with ${code}`);
      }
    } catch (error) {
      await this.removeContainer(container.id);
      throw error;
    }
    return container.id;
  }

  private sharedContainer(env: EnvironmentSpec): Promise<string> {
    let pending = this.shared.get(env.id);
    if (!pending) {
      const fire = (state: SharedStateEvent['state']) => this.sharedStates.fire({ environment: env.id, state });
      fire({ state: 'starting' });
      const created: Promise<string> = this.createContainer(env, `shared-${process.pid}-${Date.now().toString(36)}`).then(
        (id) => {
          fire({ state: 'ready' });
          return id;
        },
        (error: unknown) => {
          // Forget the failure so that the next attempt tries again (e.g. after an image build).
          if (this.shared.get(env.id) === created) this.shared.delete(env.id);
          fire({ state: 'error', message: describe(error) });
          throw error;
        },
      );
      pending = created;
      this.shared.set(env.id, pending);
    }
    return pending;
  }

  /**
   * The shared container, checked to be running: one that died or was killed (an engine restart,
   * `docker kill`, the OOM killer) is removed and a new one started, so the next open, New shell
   * or reset brings the environment back instead of failing against a corpse.
   */
  private async liveShared(env: EnvironmentSpec): Promise<string> {
    const pending = this.shared.get(env.id);
    if (pending) {
      const id = await pending.catch(() => undefined);
      if (id && (await this.isRunning(id))) return id;
      if (id && this.shared.get(env.id) === pending) {
        this.options.log?.(`the ${env.id} container ${id.slice(0, 12)} is not running: starting a new one`);
        this.shared.delete(env.id);
        await this.removeContainer(id);
      }
    }
    return this.sharedContainer(env);
  }

  private async isRunning(id: string): Promise<boolean> {
    try {
      const info = await this.api('inspect a container', this.docker.getContainer(id).inspect());
      return info.State.Running && !info.State.Restarting;
    } catch {
      return false;
    }
  }

  private async imageOrThrow(env: EnvironmentSpec): Promise<void> {
    try {
      await this.api('inspect an image', this.docker.getImage(env.image).inspect());
    } catch (error) {
      if (error instanceof TimeoutError) throw error;
      throw new BackendUnavailableError(
        `The image ${env.image} for the "${env.id}" environment is not built.`,
        'Build it with: npm run build:images (npm start does this too).',
      );
    }
  }

  private async execToEnd(containerId: string, command: readonly string[]): Promise<number> {
    const exec = await this.api(
      'create an exec',
      this.docker.getContainer(containerId).exec({
        Cmd: [...command],
        AttachStdout: true,
        AttachStderr: true,
        User: 'root',
      }),
    );
    const stream = await this.api('start an exec', exec.start({ hijack: true, stdin: false }));
    const output: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => output.push(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const info = await this.api('inspect an exec', exec.inspect());
    if (info.ExitCode !== 0) {
      const text = Buffer.concat(output)
        .toString('utf8')
        .replace(/[\x00-\x08]/g, '');
      this.options.log?.(`exec ${command.join(' ')} failed (${info.ExitCode}): ${text.slice(-2000)}`);
    }
    return info.ExitCode ?? -1;
  }

  private async removeContainer(id: string): Promise<void> {
    this.owned.delete(id);
    try {
      await this.api('remove a container', this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (error) {
      if (!/no such container|404|already in progress/i.test(describe(error))) {
        this.options.log?.(`could not remove container ${id.slice(0, 12)}: ${describe(error)}`);
      }
    }
  }

  /**
   * Remove containers left behind by a server on this host that died without cleaning up
   * (its pid no longer runs). Containers of live servers (e.g. a test run beside a deck) stay.
   */
  private sweepStale(): Promise<void> {
    this.swept ??= this.sweep();
    return this.swept;
  }

  private async sweep(removed?: (count: number) => void): Promise<void> {
    try {
      const all = await this.api(
        'list containers',
        this.docker.listContainers({
          all: true,
          filters: { label: [`${Labels.MANAGED}=1`, `${Labels.SERVER_HOST}=${hostname()}`] },
        }),
      );
      const stale = all.filter((c) => !processAlive(Number(c.Labels[Labels.SERVER_PID])));
      await Promise.allSettled(stale.map((c) => this.removeContainer(c.Id)));
      if (stale.length > 0) this.options.log?.(`removed ${stale.length} container(s) left by a server that died`);
      removed?.(stale.length);
    } catch (error) {
      this.options.log?.(`could not look for containers left by a dead server: ${describe(error)}`);
      // Try again at the next shell.
      this.swept = undefined;
    }
  }
}

interface DockerShellOptions {
  readonly containerId: string;
  readonly process: pty.IPty;
  readonly cleanup: () => Promise<void>;
  readonly reasonForExit: (exitCode: number) => Promise<string | undefined>;
  readonly startTimeoutMs: number;
  /** Started ahead (a warm pool): its output is kept until `release`, then given out. */
  readonly held?: boolean;
}

class DockerShell implements Shell {
  readonly containerId: string;
  private readonly process: pty.IPty;
  private readonly cleanup: () => Promise<void>;
  private readonly reasonForExit: (exitCode: number) => Promise<string | undefined>;
  private readonly data = new Emitter<string>();
  private readonly exit = new Emitter<ShellExit>();
  private readonly subscriptions: Disposable[] = [];
  private exited = false;
  private disposed: Promise<void> | undefined;
  /** Until the shell's first output: past startTimeoutMs, `docker exec` is stuck and is killed. */
  private startWatch: ReturnType<typeof setTimeout> | undefined;
  private stuck = false;
  private sawOutput = false;
  private readonly startTimeoutMs: number;
  /** Output of a shell started ahead, until it is taken (its prompt, usually). */
  private held: string[] | undefined;
  /** Keystrokes straight to the pty (see PtyWriter); node-pty's own write where it cannot. */
  private readonly writer: PtyWriter | undefined;
  /** Whether node-pty still holds the pty's descriptor (false from the moment it closes it). */
  private readonly ptyOpen: () => boolean;

  constructor(options: DockerShellOptions) {
    const { process, startTimeoutMs } = options;
    this.containerId = options.containerId;
    this.process = process;
    this.cleanup = options.cleanup;
    this.reasonForExit = options.reasonForExit;
    this.held = options.held ? [] : undefined;
    const master = ptyMaster(process);
    // A write the pty refuses for another reason than being full means the shell's side is
    // gone: its exit, which follows, says why.
    this.writer = master && PtyWriter.forDescriptor(master.fd, master.isOpen);
    this.ptyOpen = master?.isOpen ?? (() => true);
    // A hung engine can leave `docker exec` waiting forever with no output (the API calls before
    // it are bounded, this one is a CLI process): a shell always prints its prompt, so no output
    // within the Docker timeout means it never started. It ends, saying why.
    this.startTimeoutMs = startTimeoutMs;
    this.watchStart();
    this.subscriptions.push(
      process.onData((d) => {
        this.sawOutput = true;
        clearTimeout(this.startWatch);
        if (this.held) this.held.push(d);
        else this.data.fire(d);
      }),
      process.onExit(({ exitCode }) => {
        this.exited = true;
        clearTimeout(this.startWatch);
        if (this.stuck) {
          const reason = `The Docker Engine did not start the shell within ${Math.round(startTimeoutMs / 1000)} s (docker exec got no answer). Check the engine (docker info), then press New shell.`;
          this.exit.fire({ exitCode, reason });
          return;
        }
        void this.reasonForExit(exitCode).then((reason) => this.exit.fire(reason ? { exitCode, reason } : { exitCode }));
      }),
    );
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /**
   * A shell started ahead is taken: what it printed meanwhile follows on the next turn (its
   * taker subscribes first), then its output flows as any shell's.
   */
  release(): void {
    const held = this.held;
    if (!held) return;
    setImmediate(() => {
      this.held = undefined;
      if (held.length > 0 && !this.disposed) this.data.fire(held.join(''));
    });
  }

  onData(listener: (data: string) => void): Disposable {
    return this.data.on(listener);
  }
  /** (Re)start the watch for the first output; not while paused (a paused pty is not read). */
  private watchStart(): void {
    clearTimeout(this.startWatch);
    if (this.sawOutput || this.exited) return;
    this.startWatch = setTimeout(() => {
      this.stuck = true;
      this.containerStopped();
    }, this.startTimeoutMs);
    this.startWatch.unref?.();
  }
  /** The container is gone: the exec cannot go on (its exit then reports why). */
  containerStopped(): void {
    if (this.exited) return;
    try {
      this.process.kill();
    } catch {
      // already gone
    }
  }
  onExit(listener: (e: ShellExit) => void): Disposable {
    return this.exit.on(listener);
  }
  write(data: string): void {
    if (this.exited) return;
    if (this.writer) this.writer.write(data);
    else this.process.write(data);
  }
  resize(cols: number, rows: number): void {
    // node-pty resizes by descriptor, and closes it before its exit event: after that the number
    // may be another shell's pty.
    if (!this.exited && this.ptyOpen()) this.process.resize(cols, rows);
  }
  pause(): void {
    if (this.exited) return;
    clearTimeout(this.startWatch);
    this.process.pause();
  }
  resume(): void {
    if (this.exited) return;
    this.process.resume();
    this.watchStart();
  }
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      clearTimeout(this.startWatch);
      this.writer?.dispose();
      for (const s of this.subscriptions) s.dispose();
      this.data.clear();
      this.exit.clear();
      if (!this.exited) {
        try {
          this.process.kill();
        } catch {
          // already gone
        }
      }
      await this.cleanup();
    })();
    return this.disposed;
  }
}

/**
 * The engine's settings for an environment's container under `runtime` (`runc`, or the name of
 * gVisor's runtime). Exported for the unit test of what changes under gVisor.
 */
export function hostConfig(
  env: EnvironmentSpec,
  { runtime = 'runc', logBytes = DEFAULT_CONTAINER_LOG_BYTES }: { runtime?: string; logBytes?: number } = {},
): Docker.HostConfig {
  const gvisor = runtime !== 'runc';
  // CgroupnsMode is in the Engine API (1.41+) but not in @types/dockerode.
  // `systempaths=unconfined` is a docker CLI option, not an Engine one: the CLI sends it as empty
  // MaskedPaths/ReadonlyPaths (the Engine refuses it in SecurityOpt).
  const unconfinedPaths = env.securityOpt?.includes('systempaths=unconfined') ?? false;
  const config: Docker.HostConfig & { CgroupnsMode?: string; MaskedPaths?: string[]; ReadonlyPaths?: string[] } = {
    NetworkMode: env.network,
    Memory: env.limits.memoryBytes,
    MemorySwap: env.limits.memoryBytes,
    NanoCpus: Math.round(env.limits.cpus * 1e9),
    // Under gVisor the process limit is held inside its kernel; the host's bounds its threads.
    PidsLimit: gvisor ? env.limits.pids * GVISOR_HOST_TASKS_PER_PROCESS : env.limits.pids,
    // Not under runc: there RLIMIT_NPROC counts the uid's processes across the whole host, so one
    // student's bomb would stop every other student (all are uid 1000) from forking.
    Ulimits: gvisor ? [{ Name: 'nproc', Soft: env.limits.pids, Hard: env.limits.pids }] : undefined,
    Runtime: runtime,
    ReadonlyRootfs: env.readOnlyRoot,
    Tmpfs: env.tmpfs ? { ...env.tmpfs } : undefined,
    CapAdd: env.capAdd ? [...env.capAdd] : undefined,
    CapDrop: env.capDrop ? [...env.capDrop] : undefined,
    SecurityOpt: env.securityOpt ? env.securityOpt.filter((o) => o !== 'systempaths=unconfined') : undefined,
    ...(unconfinedPaths ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
    CgroupnsMode: env.cgroupnsMode,
    // A device the host lacks is left out rather than failing the start (Apptainer then unpacks).
    Devices: (env.devices ?? [])
      .filter((path) => existsSync(path))
      .map((path) => ({ PathOnHost: path, PathInContainer: path, CgroupPermissions: 'rwm' })),
    Binds: [...(env.binds ?? []), ...Object.entries(env.volumes ?? {}).map(([name, path]) => `${name}:${path}`)],
    Init: false,
    // Bounded on the host whatever the engine's default driver: rotated json-file, two files.
    LogConfig: {
      Type: 'json-file',
      Config: { 'max-size': String(Math.max(4096, Math.floor(logBytes / 2))), 'max-file': '2' },
    },
  };
  return config;
}

/** The environment for the docker CLI: the caller's, minus anything that could confuse it. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
