import { z } from 'zod';
import { DeckError } from './model.js';
import { parseYaml, validate, type YamlSource } from './yaml.js';

/**
 * A deck's environments as data (`environments.yaml` beside its slides), read with the yaml
 * library and validated here. What comes out has the shape of the server's `EnvironmentSpec`
 * (packages/containers): the browser still only names an environment by id.
 *
 * The dangerous knobs (extra capabilities, unconfined security profiles, host mounts and
 * devices, the host's cgroup namespace, a network) are allowed only in presenter-only
 * environments: an audience sandbox runs unprivileged, with limits and no network.
 */

/** An environment ready for the container backend (structurally `EnvironmentSpec`). */
export interface EnvironmentDefinition {
  readonly id: string;
  readonly description: string;
  readonly image: string;
  readonly user: string;
  readonly shell: readonly string[];
  readonly workdir: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly lifecycle: 'per-session' | 'shared';
  readonly command: readonly string[];
  readonly runtime?: 'runc' | 'gvisor';
  readonly limits: { readonly memoryBytes: number; readonly cpus: number; readonly pids: number };
  readonly network: 'none' | 'host' | 'bridge';
  readonly readOnlyRoot: boolean;
  readonly tmpfs?: Readonly<Record<string, string>>;
  readonly scratchVolumes?: readonly string[];
  readonly volumes?: Readonly<Record<string, string>>;
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  readonly securityOpt?: readonly string[];
  readonly cgroupnsMode?: 'host' | 'private';
  readonly devices?: readonly string[];
  readonly binds?: readonly string[];
  readonly prepare?: readonly (readonly string[])[];
  readonly reset?: readonly string[];
}

/** Who may open an environment: the presenter's panes only, or also audience sandboxes. */
export type EnvironmentAccess = 'presenter' | 'audience';

/** An environment of a deck: the backend's definition plus what the deck needs to provide it. */
export interface DeckEnvironment {
  readonly spec: EnvironmentDefinition;
  readonly access: EnvironmentAccess;
  /** Line of the environment's id in its file. */
  readonly line: number;
  /** A Dockerfile context in the deck folder that builds `spec.image` (relative to the deck). */
  readonly build?: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `256MiB`, `4GiB`, `512m` or a number of bytes. */
const Bytes = z.union([z.number(), z.string()], { error: 'must be a size such as 256MiB or 4GiB' }).transform((value, ctx) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(value));
  const unit = m ? UNITS[(m[2] as string).toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : 0;
  if (bytes < 4 * 1024 ** 2) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a size of at least 4MiB (write e.g. 256MiB or 4GiB)` });
    return z.NEVER;
  }
  return bytes;
});
/** A command as a list of words; YAML may read a word such as `3600` or `true` as a number or a boolean. */
const Word = z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string().min(1));
const Command = z.array(Word).min(1, 'a command needs at least its program');
const AbsolutePath = z.string().regex(/^\//, 'must be an absolute path (starting with /)');
const Name = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'must be a plain name');

const EnvironmentSchema = z
  .strictObject({
    description: z.string().optional(),
    /** An image name (`lecture/sandbox`, `debian:bookworm`), or the tag for `build`. */
    image: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'must be an image name such as lecture/sandbox or debian:bookworm').optional(),
    /** A Dockerfile context inside the deck folder (relative path). */
    build: z
      .string()
      .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, 'must be a folder inside the deck (a relative path without ..)')
      .optional(),
    user: z.string().min(1),
    shell: Command.default(['bash', '-l']),
    workdir: AbsolutePath,
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.union([z.string(), z.number()]).transform(String)).optional(),
    lifecycle: z.enum(['per-session', 'shared']).default('per-session'),
    access: z.enum(['presenter', 'audience']).default('presenter'),
    command: Command.default(['sleep', 'infinity']),
    /** `gvisor`: under gVisor (runsc) where the engine has it registered, else runc. Default runc. */
    runtime: z.enum(['runc', 'gvisor']).optional(),
    limits: z
      .strictObject({
        memory: Bytes.default(256 * 1024 ** 2),
        cpus: z.number().positive().max(64).default(0.5),
        pids: z.number().int().min(8).default(128),
      })
      .default({ memory: 256 * 1024 ** 2, cpus: 0.5, pids: 128 }),
    network: z.enum(['none', 'bridge', 'host']).default('none'),
    read_only: z.boolean().default(false),
    tmpfs: z.record(AbsolutePath, z.string()).optional(),
    scratch_volumes: z.array(AbsolutePath).optional(),
    volumes: z.record(Name, AbsolutePath).optional(),
    cap_add: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability such as SYS_ADMIN or ALL')).optional(),
    cap_drop: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability such as SYS_ADMIN or ALL')).default(['ALL']),
    security_opt: z.array(z.string().min(1)).default(['no-new-privileges']),
    cgroupns: z.enum(['host', 'private']).optional(),
    devices: z.array(AbsolutePath).optional(),
    binds: z.array(z.string().regex(/^\/[^:]*:\/[^:]*(:(ro|rw))?$/, 'must be /host/path:/container/path[:ro|rw]')).optional(),
    prepare: z.array(Command).optional(),
    reset: Command.optional(),
  })
  .superRefine((env, ctx) => {
    if (!env.image && !env.build) ctx.addIssue({ code: 'custom', message: 'needs an image (a name) or a build (a Dockerfile folder in the deck)' });
    if (env.reset && env.lifecycle !== 'shared') {
      ctx.addIssue({ code: 'custom', path: ['reset'], message: 'only a shared environment has a reset (a per-session one starts fresh every time)' });
    }
    if (env.access !== 'audience') return;
    // What an audience sandbox may not have, with the field that asks for it.
    const refuse = (path: string, what: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message: `${what} is allowed only in a presenter-only environment (access: presenter); an audience sandbox runs unprivileged with no network` });
    if (env.cap_add?.length) refuse('cap_add', 'adding capabilities');
    const unsafe = env.security_opt.filter((o) => o !== 'no-new-privileges');
    if (unsafe.length) refuse('security_opt', `security_opt ${unsafe.join(', ')}`);
    if (!env.security_opt.includes('no-new-privileges')) refuse('security_opt', 'leaving out no-new-privileges');
    if (!env.cap_drop.includes('ALL')) refuse('cap_drop', 'keeping capabilities (cap_drop without ALL)');
    if (env.binds?.length) refuse('binds', 'a host mount');
    if (env.devices?.length) refuse('devices', 'a host device');
    if (env.volumes && Object.keys(env.volumes).length) refuse('volumes', 'a named volume (it outlives the sandbox)');
    if (env.cgroupns === 'host') refuse('cgroupns', "the host's cgroup namespace");
    if (env.network !== 'none') refuse('network', `network: ${env.network}`);
    if (env.lifecycle !== 'per-session') refuse('lifecycle', 'a shared container');
    if (env.user === 'root' || env.user === '0' || env.user.startsWith('0:')) refuse('user', 'root');
  });

const EnvironmentsSchema = z.record(z.string().regex(ID, 'an environment id must be a kebab-case name (a-z, 0-9, -)'), EnvironmentSchema);

export interface EnvironmentsOptions {
  /** The file, as errors show it. */
  readonly file?: string;
  /** The deck's name: the tag of an image built from the deck is `lecture/<deck>-<env>`. */
  readonly deckName: string;
}

/** Read `environments.yaml`: a mapping of environment id to its definition. */
export function parseEnvironments(text: string, options: EnvironmentsOptions): DeckEnvironment[] {
  const source: YamlSource = { what: 'environments', firstLine: 1, ...(options.file ? { file: options.file } : {}) };
  const parsed = parseYaml(text, source);
  if (parsed.value === null || parsed.value === undefined) throw new DeckError('environments: the file declares no environment', 1, options.file);
  const all = validate(EnvironmentsSchema, parsed, source);
  return Object.entries(all).map(([id, e]) => {
    const spec: EnvironmentDefinition = {
      id,
      description: e.description ?? `the ${id} environment`,
      image: e.image ?? `lecture/${options.deckName}-${id}:latest`,
      user: e.user,
      shell: e.shell,
      workdir: e.workdir,
      ...(e.env ? { env: e.env } : {}),
      lifecycle: e.lifecycle,
      command: e.command,
      ...(e.runtime ? { runtime: e.runtime } : {}),
      limits: { memoryBytes: e.limits.memory, cpus: e.limits.cpus, pids: e.limits.pids },
      network: e.network,
      readOnlyRoot: e.read_only,
      ...(e.tmpfs ? { tmpfs: e.tmpfs } : {}),
      ...(e.scratch_volumes ? { scratchVolumes: e.scratch_volumes } : {}),
      ...(e.volumes ? { volumes: e.volumes } : {}),
      ...(e.cap_add ? { capAdd: e.cap_add } : {}),
      capDrop: e.cap_drop,
      securityOpt: e.security_opt,
      ...(e.cgroupns ? { cgroupnsMode: e.cgroupns } : {}),
      ...(e.devices ? { devices: e.devices } : {}),
      ...(e.binds ? { binds: e.binds } : {}),
      ...(e.prepare ? { prepare: e.prepare } : {}),
      ...(e.reset ? { reset: e.reset } : {}),
    };
    return { spec, access: e.access, line: parsed.lineOf([id]), ...(e.build ? { build: e.build } : {}) };
  });
}
