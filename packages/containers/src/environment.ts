/**
 * A named environment, declared by a deck in its `environments.yaml` (read and checked by
 * packages/slides). The browser only ever names one of these by id; everything that decides what
 * runs (image, user, mounts, privileges) stays on the server, because the Docker socket is root.
 */
export interface EnvironmentSpec {
  /** The name a slide uses (`env: lab`). */
  readonly id: string;
  /** Human description, shown in errors and health output. */
  readonly description: string;
  readonly image: string;
  /** User the interactive shell runs as (inside the container). */
  readonly user: string;
  /** The shell command, run with `docker exec -it`. */
  readonly shell: readonly string[];
  readonly workdir: string;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * `per-session`: every session gets its own container, removed when the session closes.
   * `shared`: one long-lived container per server (the Docker lab); sessions exec into it.
   */
  readonly lifecycle: 'per-session' | 'shared';
  /** The container's main process; it only keeps the container alive (or runs a daemon). */
  readonly command: readonly string[];
  readonly limits: ResourceLimits;
  /**
   * The wall between the container and the host kernel. `gvisor`: run under gVisor (runsc, a
   * user-space kernel) when the engine has it registered, otherwise under runc, as the server
   * says at start-up and in /api/health. Untrusted code (the audience's sandboxes) asks for it;
   * the presenter's lab (a nested Docker Engine) and Apptainer do not run under gVisor.
   * Default `runc`.
   */
  readonly runtime?: 'runc' | 'gvisor';
  /** `none` unless the environment really needs a network. */
  readonly network: 'none' | 'host' | 'bridge';
  /** Root filesystem read-only; writable places come from `tmpfs`. */
  readonly readOnlyRoot: boolean;
  /** Writable in-memory mounts: path → docker tmpfs options (e.g. `size=64m,mode=1777`). */
  readonly tmpfs?: Readonly<Record<string, string>>;
  /**
   * Container paths that get an anonymous volume of their own, removed with the container: the
   * lab's /var/lib/docker (the nested engine cannot run on overlayfs), private to each server.
   */
  readonly scratchVolumes?: readonly string[];
  /** Named volumes owned by the server: volume name → container path. */
  readonly volumes?: Readonly<Record<string, string>>;
  /** Linux capabilities: sandboxes drop all. */
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly securityOpt?: readonly string[];
  /** e.g. `host` for the lab's nested engine (cgroup v1). */
  readonly cgroupnsMode?: 'host' | 'private';
  /** Host devices made available (e.g. /dev/fuse for Apptainer's squashfuse). */
  readonly devices?: readonly string[];
  /** Host bind mounts the server itself decides (never from the browser). */
  readonly binds?: readonly string[];
  /**
   * Commands run once (as root, in order) after the container starts and before the first shell,
   * e.g. waiting for the nested engine and loading seed images.
   */
  readonly prepare?: readonly (readonly string[])[];
  /** For a shared environment: the command (run as root) that returns it to its seeded state. */
  readonly reset?: readonly string[];
}

export interface ResourceLimits {
  /** Bytes of memory (and memory+swap). */
  readonly memoryBytes: number;
  /** CPU share, in CPUs (0.5 = half a core). */
  readonly cpus: number;
  /** Maximum number of processes/threads: the fork-bomb guard. */
  readonly pids: number;
}
