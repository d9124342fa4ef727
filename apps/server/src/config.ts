import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTAINER_LOG_BYTES, DEFAULT_DOCKER_TIMEOUT_MS } from '@lecture/containers';

/** A stopping server removes its containers for at most this long, then exits anyway. */
export const DEFAULT_SHUTDOWN_MS = 4_000;
import { DECK_FILES, DEFAULT_DECK, deckDir } from '@lecture/slides';
import { newSecret } from './auth.js';
import { DEFAULT_LIMITS, LIMIT_KNOBS, type ServerLimits } from './limits.js';
import { DEFAULT_SANDBOX_POLICY, DEFAULT_SANDBOX_POOL } from './sandboxes.js';

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly secret: string;
  /** True when the secret was generated for this run (it is printed then). */
  readonly secretGenerated: boolean;
  readonly webRoot: string;
  /** The deck folder (LECTURE_DECK; slides/containers-demo unless set). */
  readonly deck: string;
  /** Watch the deck's files and update open pages on every save (LECTURE_WATCH=1, npm run dev). */
  readonly watch: boolean;
  readonly repoRoot: string;
  /** Demo recordings (served) and live recordings (`live/`): LECTURE_RECORDINGS, else the deck's recordings/. */
  readonly recordingsDir: string;
  readonly allowedOrigins: readonly string[];
  /** Address printed for the audience (the machine's LAN address unless set). */
  readonly publicHost: string;
  /** Container log kept on the host per container, in bytes: LECTURE_CONTAINER_LOG_BYTES. */
  readonly containerLogBytes: number;
  /** Which peers are reverse proxies whose X-Forwarded-For/-Proto are believed: LECTURE_TRUST_PROXY. */
  readonly trustProxy: TrustProxy;
  readonly limits: ServerLimits;
  /** The engine's name for gVisor's runtime (LECTURE_GVISOR_RUNTIME); empty: never gVisor. */
  readonly gvisorRuntime: string;
  /** Every Docker API call gives up after this long: LECTURE_DOCKER_TIMEOUT_MS. */
  readonly dockerTimeoutMs: number;
  /** SIGTERM/SIGINT: the server exits within this long, even while the engine hangs: LECTURE_SHUTDOWN_MS. */
  readonly shutdownMs: number;
  /** Audience sandboxes started ahead, at most (SandboxPolicy.warmPool): LECTURE_SANDBOX_POOL. */
  readonly sandboxPool: number;
}

/** Express's `trust proxy` setting: false (none), a hop count, or addresses/subnets/names. */
export type TrustProxy = boolean | number | string;

export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

/** Configuration from the environment; every knob is listed in the README. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env.PORT}"`);
  const secret = env.LECTURE_SECRET?.trim();
  if (secret !== undefined && secret.length > 0 && secret.length < 12) {
    throw new Error('LECTURE_SECRET must be at least 12 characters');
  }
  // LECTURE_SLIDES is the name this knob had when a deck was one Markdown file.
  const deck = deckDir(resolve(env.LECTURE_DECK ?? env.LECTURE_SLIDES ?? resolve(repoRoot, DEFAULT_DECK)));
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    secret: secret || newSecret(),
    secretGenerated: !secret,
    webRoot: resolve(env.LECTURE_WEB_ROOT ?? resolve(repoRoot, 'apps/web/dist')),
    deck,
    watch: env.LECTURE_WATCH === '1',
    repoRoot,
    recordingsDir: resolve(env.LECTURE_RECORDINGS ?? join(deck, DECK_FILES.recordings)),
    allowedOrigins: (env.LECTURE_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    publicHost: env.LECTURE_PUBLIC_HOST ?? lanAddress() ?? 'localhost',
    containerLogBytes: intFromEnv(env, 'LECTURE_CONTAINER_LOG_BYTES', DEFAULT_CONTAINER_LOG_BYTES, { min: 8192 }),
    trustProxy: parseTrustProxy(env.LECTURE_TRUST_PROXY),
    dockerTimeoutMs: intFromEnv(env, 'LECTURE_DOCKER_TIMEOUT_MS', DEFAULT_DOCKER_TIMEOUT_MS, { min: 100 }),
    shutdownMs: intFromEnv(env, 'LECTURE_SHUTDOWN_MS', DEFAULT_SHUTDOWN_MS, { min: 100 }),
    limits: Object.fromEntries(
      Object.entries(DEFAULT_LIMITS).map(([name, fallback]) => [
        name,
        intFromEnv(env, LIMIT_KNOBS[name as keyof ServerLimits], fallback, { min: 1 }),
      ]),
    ) as unknown as ServerLimits,
    gvisorRuntime: gvisorRuntime(env.LECTURE_GVISOR_RUNTIME),
    sandboxPool: intFromEnv(env, 'LECTURE_SANDBOX_POOL', DEFAULT_SANDBOX_POOL, { max: DEFAULT_SANDBOX_POLICY.maxTotal }),
  };
}

/** A whole number from the environment, or the default; a value out of range stops the start. */
export function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

/** The first non-internal IPv4 address: what students type on their laptops. */
export function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** `runsc` unless set; `off` (or empty) keeps every sandbox on runc. */
function gvisorRuntime(value: string | undefined): string {
  if (value === undefined) return 'runsc';
  const name = value.trim();
  if (name === '' || name === 'off') return '';
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(name)) throw new Error(`LECTURE_GVISOR_RUNTIME must be a runtime name or "off", not "${value}"`);
  return name;
}
