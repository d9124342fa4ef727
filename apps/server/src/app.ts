import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BackendHealth, ContainerBackend, EnvironmentSpec } from '@lecture/containers';
import { Limits, WS_PATH } from '@lecture/protocol';
import express from 'express';
import { WebSocketServer } from 'ws';
import { PRESENTER_COOKIE, originAllowed, roleOf } from './auth.js';
import { Connection, SANDBOX_PREFIX } from './connection.js';
import { LectureHall } from './hall.js';
import { Recordings } from './recorder.js';
import { DEFAULT_SANDBOX_POLICY, type SandboxPolicy, StartQueue } from './sandboxes.js';
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
  /** Reset a shared environment (the lab); the composition root knows how. */
  readonly resetEnvironment?: (env: string) => Promise<void>;
  /**
   * The recordings folder: the demo recordings (`<slide>.cast`, served at /recordings/) and the
   * presenter's live recordings (`live/`). Without it nothing is recorded or served.
   */
  readonly recordingsDir?: string;
  readonly log?: (line: string) => void;
}

export interface LectureServer {
  readonly port: number;
  readonly url: string;
  readonly sessions: SessionRegistry;
  readonly hall: LectureHall;
  /** Bytes queued in each socket's send buffer (a stalled browser shows here first). */
  socketBuffers(): number[];
  health(): Promise<BackendHealth>;
  close(): Promise<void>;
}

/** Build and start the HTTP + WebSocket server. The composition of parts lives in main.ts. */
export async function startLectureServer(options: LectureServerOptions): Promise<LectureServer> {
  const log = options.log ?? (() => {});
  const environments = new Map(options.environments.map((e) => [e.id, e]));
  const sessions = new SessionRegistry({ backend: options.backend, environments, log });
  const hall = new LectureHall({ polls: options.polls ?? new Map() });
  const sandboxes: SandboxPolicy = { ...DEFAULT_SANDBOX_POLICY, ...options.sandboxes };
  const sandboxQueue = new StartQueue(sandboxes.startConcurrency);
  const resetEnvironment = options.resetEnvironment ?? (async (env: string) => log(`no reset for ${env}`));
  // Sandboxes whose owner left or went idle are removed: the machine is shared by a whole room.
  const reaper = setInterval(
    () => sessions.reap(SANDBOX_PREFIX, { graceMs: sandboxes.leaveGraceMs, idleMs: sandboxes.idleMs }),
    Math.min(30_000, sandboxes.leaveGraceMs),
  );
  reaper.unref();
  const recordings = options.recordingsDir ? new Recordings(join(options.recordingsDir, 'live')) : undefined;
  const app = express();
  app.disable('x-powered-by');

  // The demo recordings (asciicast files), replayed when no Docker Engine is reachable.
  if (options.recordingsDir) {
    const dir = options.recordingsDir;
    app.get('/recordings/:name', (req, res) => {
      const name = req.params.name;
      if (!/^[a-z0-9][a-z0-9-]{0,63}\.cast$/.test(name) || !existsSync(join(dir, name))) {
        res.status(404).type('text/plain').send('No such recording.');
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/x-asciicast').sendFile(join(dir, name));
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
  app.get('/presenter', (req, res) => {
    const key = typeof req.query.key === 'string' ? req.query.key : '';
    if (key !== options.secret) {
      res.status(403).type('text/plain').send('Wrong or missing presenter key.');
      return;
    }
    res.cookie(PRESENTER_COOKIE, options.secret, { httpOnly: true, sameSite: 'strict', path: '/' });
    res.redirect(302, '/');
  });

  app.get('/api/whoami', (req, res) => {
    res.json({ role: roleOf(req, options.secret) });
  });

  // What the deck shows to share the lecture: never the presenter key.
  app.get('/api/info', (req, res) => {
    const host = req.headers.host ?? `127.0.0.1:${port}`;
    res.json({ audienceUrl: options.audienceUrl ?? `http://${host}/` });
  });

  if (options.webRoot && existsSync(options.webRoot)) {
    const root = options.webRoot;
    app.use(express.static(root, { index: 'index.html', maxAge: '1h', setHeaders: noCacheForHtml }));
    app.get('/{*path}', (_req, res) => res.sendFile(join(root, 'index.html')));
  }

  let port = options.port ?? 0;
  const server: Server = createServer(app);
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.MAX_FRAME_BYTES });
  const connections = new Set<Connection>();

  server.on('upgrade', (request, socket, head) => {
    // Node drops its own error handler from upgrade sockets: a reset while we refuse one must
    // not take the server down.
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    if (!originAllowed(request, options.allowedOrigins ?? [])) {
      log(`refused a socket from origin ${request.headers.origin}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const role = roleOf(request, options.secret);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection({
        socket: ws,
        role,
        sessions,
        environments,
        panes: options.panes,
        hall,
        sandboxes,
        sandboxQueue,
        resetEnvironment,
        recordings,
        remoteAddress: request.socket.remoteAddress ?? 'unknown',
        log,
      });
      connections.add(connection);
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
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    sessions,
    hall,
    socketBuffers: () => [...wss.clients].map((c) => c.bufferedAmount),
    health: () => options.backend.health(),
    close() {
      closing ??= (async () => {
        clearInterval(reaper);
        hall.dispose();
        await recordings?.stopAll();
        for (const client of wss.clients) client.close(1001, 'server stopping');
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

function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
}
