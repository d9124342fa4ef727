import { existsSync, realpathSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';
import type { BackendHealth, ContainerBackend, EnvironmentSpec } from '@lecture/containers';
import { CloseCode, Limits, type Role, WS_PATH } from '@lecture/protocol';
import express from 'express';
import { WebSocketServer } from 'ws';
import { KeyGuard, PRESENTER_COOKIE, clientAddress, isLoopback, originAllowed, presenterToken, safeEqual } from './auth.js';
import type { TrustProxy } from './config.js';
import { Connection, SANDBOX_PREFIX } from './connection.js';
import type { LiveDeck } from './deck.js';
import { LectureHall } from './hall.js';
import { securityHeaders } from './headers.js';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
import { Recordings } from './recorder.js';
import { DemoResets } from './resets.js';
import { DEFAULT_SANDBOX_POLICY, type SandboxPolicy, StartQueue, warmPoolTarget } from './sandboxes.js';
import { SessionRegistry } from './sessions.js';

export interface LectureServerOptions {
  readonly backend: ContainerBackend;
  readonly environments: readonly EnvironmentSpec[];
  /** The presenter secret. */
  readonly secret: string;
  readonly port?: number;
  readonly host?: string;
  /** The built deck (apps/web/dist); without it only the API and socket are served. */
  readonly webRoot?: string;
  /** pane id → environment id, from the deck. */
  readonly panes?: ReadonlyMap<string, string>;
  /** Extra origins allowed to open the socket (the server's own is always allowed). */
  readonly allowedOrigins?: readonly string[];
  /** poll id → number of options, from the deck. */
  readonly polls?: ReadonlyMap<string, number>;
  readonly sandboxes?: Partial<SandboxPolicy>;
  /** The URL the audience should open (with the LAN address), shown as a QR code. */
  readonly audienceUrl?: string;
  /** Bound on each step of a demo reset (DEFAULT_RESET_TIMEOUT_MS). */
  readonly resetTimeoutMs?: number;
  /**
   * The recordings folder: the demo recordings (`<slide>.cast`, served at /recordings/) and the
   * presenter's live recordings (`live/`). Without it nothing is recorded or served.
   */
  readonly recordingsDir?: string;
  /**
   * Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (a reverse proxy in front):
   * Express's `trust proxy` values. Default: none, the socket's peer is the client.
   */
  readonly trustProxy?: TrustProxy;
  /** The server's bounds (docs/security.md); each defaults to DEFAULT_LIMITS. */
  readonly limits?: Partial<ServerLimits>;
  /** The deck, served as /deck.json (and its updates, in watch mode); without it the page has none. */
  readonly deck?: LiveDeck;
  readonly log?: (line: string) => void;
}

/** What a new version of the deck changes on the server (npm run dev). */
export interface DeckUpdate {
  readonly environments: readonly EnvironmentSpec[];
  readonly panes: ReadonlyMap<string, string>;
  readonly polls: ReadonlyMap<string, number>;
  /** The environments audience sandboxes may open. */
  readonly sandboxEnvironments: readonly string[];
}

export interface LectureServer {
  readonly port: number;
  readonly url: string;
  readonly sessions: SessionRegistry;
  readonly hall: LectureHall;
  /** The demos' resets ("Reset demos", the lab's reset). */
  readonly resets: DemoResets;
  /** Bytes queued in each socket's send buffer (a stalled browser shows here first). */
  socketBuffers(): number[];
  /**
   * Take a new version of the deck: its environments, panes and polls. Shells of panes whose
   * environment is unchanged keep running; those of removed panes or changed environments end.
   * Returns the keys of the sessions it ended.
   */
  updateDeck(update: DeckUpdate): string[];
  health(): Promise<BackendHealth>;
  close(): Promise<void>;
}

/** The server's options with every default applied: what the server is built from. */
export interface ResolvedServerOptions {
  readonly backend: ContainerBackend;
  readonly environments: ReadonlyMap<string, EnvironmentSpec>;
  readonly secret: string;
  readonly port: number;
  readonly host: string;
  readonly webRoot: string | undefined;
  /** Undefined: any pane may be opened (tests); otherwise an `open` must match the deck. */
  readonly panes: ReadonlyMap<string, string> | undefined;
  readonly allowedOrigins: readonly string[];
  readonly polls: ReadonlyMap<string, number>;
  readonly sandboxes: SandboxPolicy;
  readonly audienceUrl: string | undefined;
  readonly resetTimeoutMs: number | undefined;
  readonly recordingsDir: string | undefined;
  readonly trustProxy: TrustProxy;
  readonly limits: ServerLimits;
  readonly deck: LiveDeck | undefined;
  readonly log: (line: string) => void;
}

/** Resolve the options once: every default in one place, the rest of the server reads no `??`. */
export function resolveServerOptions(options: LectureServerOptions): ResolvedServerOptions {
  return {
    backend: options.backend,
    environments: new Map(options.environments.map((e) => [e.id, e])),
    secret: options.secret,
    port: options.port ?? 0,
    host: options.host ?? '0.0.0.0',
    webRoot: options.webRoot,
    panes: options.panes,
    allowedOrigins: options.allowedOrigins ?? [],
    polls: options.polls ?? new Map(),
    sandboxes: { ...DEFAULT_SANDBOX_POLICY, ...options.sandboxes },
    audienceUrl: options.audienceUrl,
    resetTimeoutMs: options.resetTimeoutMs,
    recordingsDir: options.recordingsDir,
    trustProxy: options.trustProxy ?? false,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    deck: options.deck,
    log: options.log ?? (() => {}),
  };
}

/** How often the warm pool's size is checked against the room (students come and go in between too). */
const POOL_CHECK_MS = 2_000;

/** Build and start the HTTP + WebSocket server. The composition of parts lives in main.ts. */
export async function startLectureServer(given: LectureServerOptions): Promise<LectureServer> {
  const options = resolveServerOptions(given);
  const { log, limits } = options;
  // Maps owned here and updated in place by updateDeck: every part holding them sees the new deck.
  const environments = new Map(options.environments);
  const panes = options.panes ? new Map(options.panes) : undefined;
  const sessions = new SessionRegistry({
    backend: options.backend,
    environments,
    log,
    pacerGraceMs: limits.pacerGraceMs,
    screenIdleMs: limits.screenIdleMs,
  });
  const hall = new LectureHall({ polls: options.polls });
  const sandboxes: { -readonly [K in keyof SandboxPolicy]: SandboxPolicy[K] } = { ...options.sandboxes };
  const sandboxQueue = new StartQueue(sandboxes.startConcurrency);
  // The backend's shared environments (the lab starting, ready, failed) show in the presenter's strip.
  const sharedStates = options.backend.onSharedState(({ environment, state }) =>
    hall.environment({ type: 'env-state', env: environment, ...state }),
  );
  const resets = new DemoResets({
    backend: options.backend,
    environments,
    sessions,
    hall,
    panes,
    timeoutMs: options.resetTimeoutMs,
    log,
  });
  const resetEnvironment = (env: string) => resets.resetEnvironment(env);
  // Every "Reset demos" ends in ready or error, with a message, for every presenter. It also
  // empties and hides the polls: rehearsing leaves votes behind.
  const resetDemos = async () => {
    hall.demosState({ type: 'demos-state', state: 'resetting' });
    hall.resetPolls();
    const ok = await resets.resetDemos().catch(() => false);
    hall.demosState(
      ok
        ? { type: 'demos-state', state: 'ready' }
        : { type: 'demos-state', state: 'error', message: 'Some demos could not be reset: see the strip and the terminals.' },
    );
  };
  // Sandboxes whose owner left or went idle are removed: the machine is shared by a whole room.
  const reaper = setInterval(
    () => sessions.reap(SANDBOX_PREFIX, { graceMs: sandboxes.leaveGraceMs, idleMs: sandboxes.idleMs }),
    Math.min(30_000, sandboxes.leaveGraceMs),
  );
  reaper.unref();
  // The deck's (first) audience environment keeps a sandbox started ahead for each student on
  // the URL who has none, within the pool's bound: the backend starts them one at a time, never
  // while a shell is opening. Checked as students come and go, and every 2 s for the sandboxes.
  // Only sandboxes past starting count as taken: a room opening at once is queued, and each
  // queued one still takes its container from the pool (counting it earlier emptied the pool).
  const warmPool = () => {
    const env = environments.get(sandboxes.environments[0] ?? '');
    if (env?.lifecycle !== 'per-session') return;
    options.backend.prestart(env, warmPoolTarget(sandboxes, hall.audienceCount, sessions.countStarted(SANDBOX_PREFIX)));
  };
  hall.onAudienceChange(warmPool);
  const poolCheck = setInterval(warmPool, POOL_CHECK_MS);
  poolCheck.unref();
  const recordings = options.recordingsDir ? new Recordings(join(options.recordingsDir, 'live')) : undefined;
  const keyGuard = new KeyGuard(limits.keyGuessesPerMinute);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  const trust = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  app.use(securityHeaders({ webRoot: options.webRoot }));

  // The demo recordings (asciicast files), replayed when no Docker Engine is reachable.
  if (options.recordingsDir) {
    const dir = options.recordingsDir;
    app.get('/recordings/:name', (req, res) => {
      const name = req.params.name;
      // Never outside the folder, symlinks included: the file's real path must be inside it.
      const file = /^[a-z0-9][a-z0-9-]{0,63}\.cast$/.test(name) ? insideFolder(dir, name) : undefined;
      if (!file) {
        res.status(404).type('text/plain').send('No such recording.');
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/x-asciicast').sendFile(file, (error) => {
        if (error && !res.headersSent) res.status(404).type('text/plain').send('No such recording.');
      });
    });
  }

  app.get('/api/health', async (_req, res) => {
    const backend = await options.backend.health();
    res.status(backend.ok ? 200 : 503).json({
      ok: backend.ok,
      backend,
      sessions: sessions.size,
      sandboxes: sessions.count(SANDBOX_PREFIX),
      audience: hall.audienceCount,
      uptimeSeconds: Math.round(process.uptime()),
    });
  });

  // The presenter URL: exchanges the secret for an HttpOnly cookie and drops it from the
  // address bar, so it never shows on the projector or in a shared link.
  // Wrong keys are counted per address (KeyGuard): guessing is refused with 429 after a few.
  app.get('/presenter', async (req, res) => {
    const address = clientAddress(req, trust);
    const wait = await keyGuard.retryAfter(address);
    if (wait > 0) {
      res.status(429).setHeader('Retry-After', String(wait));
      res.type('text/plain').send(`Too many wrong presenter keys from this address: try again in ${wait} s.`);
      return;
    }
    const key = typeof req.query.key === 'string' ? req.query.key : '';
    if (!safeEqual(key, options.secret)) {
      if (key) await keyGuard.failed(address);
      res.status(403).type('text/plain').send('Wrong or missing presenter key.');
      return;
    }
    // The cookie holds a token derived from the key; Secure when the page came over TLS
    // (directly, or through a trusted proxy that says so in X-Forwarded-Proto).
    res.cookie(PRESENTER_COOKIE, presenterToken(options.secret), { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.redirect(302, '/');
  });

  app.get('/api/whoami', async (req, res) => {
    const auth = await keyGuard.authenticate(req, options.secret, clientAddress(req, trust));
    // A stale cookie (another key, an earlier server) is dropped so it stops counting as a guess.
    if (auth.wrong) res.clearCookie(PRESENTER_COOKIE, { path: '/' });
    res.json({ role: auth.role });
  });

  // What the deck shows to share the lecture: never the presenter key.
  app.get('/api/info', (req, res) => {
    const host = req.headers.host ?? `127.0.0.1:${port}`;
    res.json({ audienceUrl: options.audienceUrl ?? `http://${host}/` });
  });

  options.deck?.routes(app);

  if (options.webRoot && existsSync(options.webRoot)) {
    const root = options.webRoot;
    app.use(express.static(root, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
    app.get('/{*path}', (_req, res) => res.sendFile(join(root, 'index.html')));
  }

  // Last: malformed URLs (`/%`) and any other failure answer in plain words, never with a stack
  // trace or a path of this machine; only server faults are logged, in one line.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = httpStatusOf(error);
    if (status >= 500) log(`HTTP ${req.method} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (res.headersSent) return void res.end();
    res.status(status).type('text/plain').send(status === 400 ? 'Bad request.' : status === 404 ? 'Not found.' : 'Something went wrong.');
  });

  let port = options.port;
  const server: Server = createServer(app);
  // TCP connections per peer address, before any HTTP is read: a script that opens thousands of
  // idle connections (no upgrade, no request) cannot take the file descriptors the lecturer's
  // page needs. Loopback and a trusted reverse proxy (which carries the whole room) are exempt.
  const tcpByAddress = new Map<string, number>();
  server.on('connection', (socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    if (isLoopback(peer) || trust(peer, 0)) return;
    const open = tcpByAddress.get(peer) ?? 0;
    if (open >= limits.connectionsPerAddress) {
      socket.destroy();
      return;
    }
    tcpByAddress.set(peer, open + 1);
    socket.once('close', () => {
      const n = (tcpByAddress.get(peer) ?? 1) - 1;
      if (n > 0) tcpByAddress.set(peer, n);
      else tcpByAddress.delete(peer);
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.MAX_FRAME_BYTES });
  const connections = new Set<Connection>();
  // Open sockets and channels per client address: one device (or script) cannot take the file
  // descriptors and the memory of the room. Loopback (this machine) and the presenter are exempt.
  const socketsByAddress = new Map<string, number>();
  const channelsByAddress = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string, by: number) => {
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  const refuse = (socket: Duplex, status: string, why: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}`);
  };

  server.on('upgrade', (request, socket, head) => {
    // Node drops its own error handler from upgrade sockets: a reset while we refuse one must
    // not take the server down.
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    if (!originAllowed(request, options.allowedOrigins)) {
      log(`refused a socket from origin ${request.headers.origin}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const address = clientAddress(request, trust);
    void keyGuard.authenticate(request, options.secret, address).then(({ role, blocked }) => {
      if (blocked && request.headers.authorization) {
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${blocked}\r\n\r\n`);
        return;
      }
      if (socket.destroyed) return;
      const exempt = role === 'presenter' || isLoopback(address);
      if (!exempt && (socketsByAddress.get(address) ?? 0) >= limits.socketsPerAddress) {
        log(`refused a socket from ${address}: ${limits.socketsPerAddress} open already`);
        return refuse(socket, '429 Too Many Requests', `Too many connections from this address (${limits.socketsPerAddress}).`);
      }
      if (role !== 'presenter' && wss.clients.size >= limits.maxSockets) {
        log(`refused a socket: ${limits.maxSockets} open already`);
        return refuse(socket, '503 Service Unavailable', 'The lecture is full: try again in a minute.');
      }
      upgrade(request, socket, head, role, address, exempt);
    });
  });

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, role: Role, address: string, exempt: boolean) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection({
        socket: ws,
        role,
        sessions,
        environments,
        panes,
        hall,
        sandboxes,
        sandboxQueue,
        resetEnvironment,
        resetDemos,
        recordings,
        remoteAddress: address,
        limits,
        channelBudget: isLoopback(address)
          ? undefined
          : {
              acquire: () => {
                if ((channelsByAddress.get(address) ?? 0) >= limits.channelsPerAddress) return false;
                bump(channelsByAddress, address, 1);
                return true;
              },
              release: () => bump(channelsByAddress, address, -1),
            },
        log,
      });
      connections.add(connection);
      if (!exempt) bump(socketsByAddress, address, 1);
      let alive = true;
      ws.on('pong', () => {
        alive = true;
      });
      // Find sockets that vanished without a close (a laptop lid shut mid-lecture).
      const heartbeat = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, 30_000);
      ws.on('close', () => {
        clearInterval(heartbeat);
        connections.delete(connection);
        if (!exempt) bump(socketsByAddress, address, -1);
      });
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sessions,
    hall,
    resets,
    socketBuffers: () => [...wss.clients].map((c) => c.bufferedAmount),
    health: () => options.backend.health(),
    updateDeck(update) {
      environments.clear();
      for (const e of update.environments) environments.set(e.id, e);
      if (panes) {
        panes.clear();
        for (const [pane, env] of update.panes) panes.set(pane, env);
      }
      hall.setPolls(update.polls);
      sandboxes.environments = [...update.sandboxEnvironments];
      // A shell survives an edit unless its pane is gone or its environment is another one now.
      const ended: string[] = [];
      for (const session of sessions.all()) {
        const sandbox = session.key.startsWith(SANDBOX_PREFIX);
        const env = environments.get(session.environment.id);
        const moved = !sandbox && panes !== undefined && panes.get(session.pane) !== session.environment.id;
        if (!env || moved || JSON.stringify(env) !== JSON.stringify(session.environment)) {
          ended.push(session.key);
          void session.end(moved || !env ? 'The deck no longer has this pane here.' : `The deck changed the ${env.id} environment: New shell starts one.`);
        }
      }
      return ended;
    },
    close() {
      closing ??= (async () => {
        clearInterval(reaper);
        clearInterval(poolCheck);
        sharedStates.dispose();
        hall.dispose();
        await recordings?.stopAll();
        for (const client of wss.clients) client.close(CloseCode.GOING_AWAY, 'server stopping');
        await sessions.dispose();
        await options.backend.dispose();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** The real path of `name` in `dir`, or undefined when it does not exist or resolves outside. */
function insideFolder(dir: string, name: string): string | undefined {
  try {
    const root = realpathSync(dir);
    const file = realpathSync(join(root, name));
    return file.startsWith(root + sep) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The HTTP status an error stands for (a malformed URL is 400); anything else is 500. */
function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown; statusCode?: unknown } | undefined)?.status ?? (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  if (error instanceof URIError) return 400;
  return 500;
}

function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
