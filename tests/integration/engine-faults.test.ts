import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerBackend, Labels } from '@lecture/containers';
import { PROTOCOL_VERSION, type ServerMessage } from '@lecture/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { startLectureServer } from '../../apps/server/src/app.js';
import { catalogue } from './environments.js';
import { TestClient, containersWithLabel } from './harness.js';

// A failing engine and a crashed server (issue 9, items 6 and 10): what the lecturer sees, and
// that nothing hangs. A "hung engine" is a socket that accepts and never answers.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = 'engine-faults-secret-0001';
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A Docker socket that answers /version and /info (so the engine looks alive) or nothing, and never anything else. */
async function hungEngine(options: { version: boolean }): Promise<string> {
  const path = join(tmpdir(), `lecture-hung-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const server: Server = createServer((socket) => {
    socket.on('data', (data) => {
      const request = data.toString();
      if (options.version && /^GET \S*\/(version|_ping|info)\b/.test(request)) {
        const body = JSON.stringify({ Version: '0.0-hung', ApiVersion: '1.41', Runtimes: { runc: {} } });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
      // Anything else: silence, forever.
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanup.push(() => {
    server.close();
    rmSync(path, { force: true });
  });
  return path;
}

async function student(url: string, clientId: string): Promise<TestClient> {
  const client = new TestClient(url);
  await client.opened();
  client.send({ type: 'hello', protocol: PROTOCOL_VERSION, clientId });
  await client.next((m) => m.type === 'welcome');
  return client;
}

/** Start apps/server/dist/main.js; resolves with its port once it serves. */
function startMain(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LECTURE_SECRET: secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d) => {
    out += d.toString();
  });
  cleanup.push(() => child.kill('SIGKILL'));
  return new Promise((resolvePort, reject) => {
    const timer = setInterval(() => {
      const port = /This machine: http:\/\/localhost:(\d+)\//.exec(out)?.[1];
      if (port) {
        clearInterval(timer);
        resolvePort({ child, port: Number(port), output: () => out });
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`the server exited (${code}): ${out}`));
    });
  });
}

describe('a hung engine', () => {
  it('/api/health answers within 2 s and reports the engine as unresponsive', async () => {
    const socketPath = await hungEngine({ version: false });
    const server = await startLectureServer({
      backend: new DockerBackend({ docker: { socketPath } }),
      environments: catalogue,
      secret,
      host: '127.0.0.1',
    });
    try {
      const t0 = Date.now();
      const res = await fetch(`${server.url}/api/health`);
      const elapsed = Date.now() - t0;
      expect(res.status).toBe(503);
      const body = (await res.json()) as { backend: { problem: string; fix: string } };
      expect(body.backend.problem).toMatch(/unresponsive/);
      expect(body.backend.fix).toMatch(/Restart the Docker Engine/);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      await server.close();
    }
  });

  it('a start that times out frees its queue slot and says why', async () => {
    const socketPath = await hungEngine({ version: true });
    const server = await startLectureServer({
      backend: new DockerBackend({ docker: { socketPath }, apiTimeoutMs: 1500 }),
      environments: catalogue,
      secret,
      host: '127.0.0.1',
      sandboxes: { startConcurrency: 1 },
    });
    try {
      const first = await student(server.url, 'hung-engine-student-0001');
      const second = await student(server.url, 'hung-engine-student-0002');
      for (const c of [first, second])
        c.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
      // The second waits for the one slot…
      await second.next((m) => m.type === 'state' && /Waiting for a free slot/.test(m.message ?? ''), 10_000);
      // …which the first's timeout frees: both end in an error that says what happened.
      for (const c of [first, second]) {
        const state = await c.next<Extract<ServerMessage, { type: 'state' }>>((m) => m.type === 'state' && m.state === 'error', 20_000);
        expect(state.message).toMatch(/Docker \(.+\) did not finish within 2 s/);
      }
      for (const c of [first, second]) c.close();
    } finally {
      await server.close();
    }
  });

  it('SIGTERM stops the server within 5 s while a container start hangs', async () => {
    const socketPath = await hungEngine({ version: true });
    const { child, port } = await startMain({ DOCKER_HOST: `unix://${socketPath}` });
    const client = await student(`http://127.0.0.1:${port}`, 'hung-engine-student-0003');
    client.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    await client.next((m) => m.type === 'state' && m.state === 'starting');
    const t0 = Date.now();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    client.close();
  });
});

describe('a stuck docker exec', () => {
  it('a shell that never answers ends after the Docker timeout, saying why, and its container goes', async () => {
    // The engine creates the container; the interactive `docker exec` (a CLI process, not an API
    // call) then hangs, as it does when the engine stops answering mid-way: a CLI that never
    // prints stands in for it.
    const cli = join(tmpdir(), `lecture-stuck-docker-${process.pid}.sh`);
    writeFileSync(cli, '#!/bin/sh\nexec sleep 3600\n', { mode: 0o755 });
    cleanup.push(() => rmSync(cli, { force: true }));
    const backend = new DockerBackend({ dockerCli: cli, apiTimeoutMs: 3000 });
    const sandbox = catalogue.find((e) => e.id === 'sandbox');
    if (!sandbox) throw new Error('no sandbox environment');
    const shell = await backend.openShell({ environment: sandbox, sessionId: 'stuck-exec-0001', cols: 80, rows: 24 });
    const t0 = Date.now();
    const exit = await new Promise<{ exitCode: number; reason?: string }>((r) => shell.onExit(r));
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(exit.reason).toMatch(/did not start the shell within 3 s/);
    await shell.dispose();
    expect(containersWithLabel(`${Labels.SESSION}=stuck-exec-0001`)).toEqual([]);
    await backend.dispose();
  }, 60_000);
});

describe('a crashed server', () => {
  it('its successor removes the dead containers before serving; a reconnecting pane gets a fresh shell that says so', async () => {
    // Without the lab: it needs seconds to start and is not what this is about.
    const deckless = { LECTURE_WARM_UP: '0' };
    const first = await startMain(deckless);
    const url = `http://127.0.0.1:${first.port}`;
    const client = await student(url, 'crashed-server-student-01');
    client.send({ type: 'open', channel: 1, pane: 'try', env: 'sandbox', scope: 'sandbox', cols: 80, rows: 24 });
    const opened = await client.next<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened');
    await client.next((m) => m.type === 'state' && m.state === 'ready', 90_000);
    const label = `${Labels.SESSION}=${opened.session}`;
    expect(containersWithLabel(label)).toHaveLength(1);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    client.close();
    expect(containersWithLabel(label)).toHaveLength(1);

    const second = await startMain(deckless);
    // Serving means recovered: the dead server's container is gone before anyone opened a shell.
    expect(containersWithLabel(label)).toHaveLength(0);
    const back = await student(`http://127.0.0.1:${second.port}`, 'crashed-server-student-01');
    back.send({
      type: 'open',
      channel: 1,
      pane: 'try',
      env: 'sandbox',
      scope: 'sandbox',
      cols: 80,
      rows: 24,
      session: opened.session,
      since: 120,
    });
    const reopened = await back.next<Extract<ServerMessage, { type: 'opened' }>>((m) => m.type === 'opened');
    expect(reopened.session).not.toBe(opened.session);
    await back.waitForOutput(1, /The server restarted: this is a new shell/, 30_000);
    await back.next((m) => m.type === 'state' && m.state === 'ready', 90_000);
    back.send({ type: 'close', channel: 1, end: true });
    back.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });
});
