import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Socket, createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBackend, testEnvironment } from '@lecture/containers';
import { PROTOCOL_VERSION, WS_PATH, decodeServerFrame, encode } from '@lecture/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LectureServer, type LectureServerOptions, startLectureServer } from './app.js';
import { presenterToken } from './auth.js';
import { inlineScriptHashes } from './headers.js';

// The HTTP edges of the server (issue 9, items 1 and 2): the presenter key, malformed URLs,
// security headers and the recordings folder. A real HTTP server on port 0, the fake backend.
const SECRET = 'http-test-presenter-secret-01';
let server: LectureServer | undefined;
let logs: string[] = [];

async function start(options: Partial<LectureServerOptions> = {}): Promise<LectureServer> {
  logs = [];
  server = await startLectureServer({
    backend: new FakeBackend(),
    environments: [testEnvironment()],
    secret: SECRET,
    host: '127.0.0.1',
    log: (line) => logs.push(line),
    ...options,
  });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The status of a WebSocket upgrade (101 when accepted). */
function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server?.port}${WS_PATH}`, { headers });
    ws.on('open', () => {
      ws.send(encode({ type: 'hello', protocol: PROTOCOL_VERSION }));
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('the presenter key', () => {
  it('is never what the cookie holds: the cookie holds a token derived from it', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/presenter?key=${SECRET}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).not.toContain(SECRET);
    expect(cookie).toBe(`lecture_presenter=${presenterToken(SECRET)}`);
    // The key itself in the cookie is no credential.
    const withKey = await fetch(`${s.url}/api/whoami`, { headers: { Cookie: `lecture_presenter=${SECRET}` } });
    expect(await withKey.json()).toEqual({ role: 'audience' });
    const withToken = await fetch(`${s.url}/api/whoami`, { headers: { Cookie: cookie } });
    expect(await withToken.json()).toEqual({ role: 'presenter' });
  });

  it('sets a Secure cookie only when the request came over TLS through a trusted proxy', async () => {
    const direct = await start();
    const headers = { 'X-Forwarded-Proto': 'https' };
    const untrusted = await fetch(`${direct.url}/presenter?key=${SECRET}`, { redirect: 'manual', headers });
    expect(untrusted.headers.get('set-cookie')).not.toMatch(/Secure/i);
    await direct.close();
    const proxied = await start({ trustProxy: 'loopback' });
    const trusted = await fetch(`${proxied.url}/presenter?key=${SECRET}`, { redirect: 'manual', headers });
    expect(trusted.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const plain = await fetch(`${proxied.url}/presenter?key=${SECRET}`, { redirect: 'manual' });
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/i);
  });

  it('refuses guessing: after the limit of wrong keys an address gets 429 with Retry-After, even for the right key', async () => {
    const s = await start({ limits: { keyGuessesPerMinute: 5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${s.url}/presenter?key=guess-${i}`, { redirect: 'manual' })).status);
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const right = await fetch(`${s.url}/presenter?key=${SECRET}`, { redirect: 'manual' });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.headers.get('set-cookie')).toBeNull();
    // Guessing over the socket (a bearer header) is refused at the upgrade as well.
    expect(await upgradeStatus({ Authorization: `Bearer ${SECRET}` })).toBe(429);
    // The audience is never locked out: no credential, no limit.
    expect(await upgradeStatus({})).toBe(101);
  });

  it('counts wrong cookies and bearer keys too, per client address (X-Forwarded-For only from a trusted proxy)', async () => {
    const s = await start({ limits: { keyGuessesPerMinute: 3 }, trustProxy: 'loopback' });
    const from = (ip: string, extra: Record<string, string> = {}) => ({ 'X-Forwarded-For': ip, ...extra });
    expect(await upgradeStatus(from('10.0.0.7', { Authorization: 'Bearer guess-1' }))).toBe(101);
    await fetch(`${s.url}/api/whoami`, { headers: from('10.0.0.7', { Cookie: 'lecture_presenter=guess-2' }) });
    await fetch(`${s.url}/presenter?key=guess-3`, { headers: from('10.0.0.7'), redirect: 'manual' });
    const blocked = await fetch(`${s.url}/presenter?key=${SECRET}`, { headers: from('10.0.0.7'), redirect: 'manual' });
    expect(blocked.status).toBe(429);
    // Another student's address is not affected.
    const other = await fetch(`${s.url}/presenter?key=${SECRET}`, { headers: from('10.0.0.8'), redirect: 'manual' });
    expect(other.status).toBe(302);
  });

  it('a stale cookie sent again and again (every request, every socket) counts as one wrong key, not one each', async () => {
    const s = await start({ limits: { keyGuessesPerMinute: 3 } });
    const stale = { Cookie: 'lecture_presenter=token-of-an-earlier-server' };
    for (let i = 0; i < 10; i++) expect(await upgradeStatus(stale)).toBe(101);
    for (let i = 0; i < 5; i++) await fetch(`${s.url}/api/whoami`, { headers: stale });
    // The lecturer can still present from this address.
    expect((await fetch(`${s.url}/presenter?key=${SECRET}`, { redirect: 'manual' })).status).toBe(302);
    // New values are new guesses: those count.
    for (let i = 0; i < 3; i++) await upgradeStatus({ Cookie: `lecture_presenter=guess-${i}` });
    expect((await fetch(`${s.url}/presenter?key=${SECRET}`, { redirect: 'manual' })).status).toBe(429);
  });

  it('drops a stale cookie (another key) instead of counting it at every request', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/api/whoami`, { headers: { Cookie: 'lecture_presenter=from-last-week' } });
    expect(await res.json()).toEqual({ role: 'audience' });
    expect(res.headers.get('set-cookie')).toMatch(/^lecture_presenter=;.*Expires=Thu, 01 Jan 1970/);
  });
});

describe('HTTP edges', () => {
  it('answers malformed URLs with a plain 400: no stack trace, no path of this machine, nothing logged', async () => {
    const recordings = mkdtempSync(join(tmpdir(), 'lecture-rec-'));
    const web = mkdtempSync(join(tmpdir(), 'lecture-web-'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>deck</title>');
    const s = await start({ recordingsDir: recordings, webRoot: web });
    for (const path of ['/%', '/recordings/%', '/%E0%A4%A', '/assets/%zz.js', '/recordings/%2e%2e%2fetc%2fpasswd']) {
      const res = await fetch(`${s.url}${path}`);
      const body = await res.text();
      expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
      expect(body).not.toMatch(/\bat \w|Error|node_modules|\/work|\/tmp|\/home/);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    }
    expect((await fetch(`${s.url}/%`)).status).toBe(400);
    expect(logs.join('\n')).not.toMatch(/URIError|\bat \w|node_modules/);
  });

  it('sends security headers that fit the deck (CSP with its own frames only, nosniff, no referrer)', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/api/health`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/script-src 'self'(;| 'sha256-)/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it("allows exactly the inline script the built deck writes (reveal's speaker view) by its hash", () => {
    const web = mkdtempSync(join(tmpdir(), 'lecture-web-'));
    mkdirSync(join(web, 'assets'));
    const script = '\n(function(){ window.x = "a`b"; })();\n';
    const literal = JSON.stringify(`<html><body><script>${script}</script></body></html>`);
    writeFileSync(join(web, 'assets', 'index.js'), `w.document.write(${literal});w.document.write(\`<b>\${x}</b>\`)`);
    const hash = createHash('sha256').update(script).digest('base64');
    expect(inlineScriptHashes(web)).toEqual([`'sha256-${hash}'`]);
  });

  it('never serves a file outside the recordings folder, even through a symlink', async () => {
    const recordings = mkdtempSync(join(tmpdir(), 'lecture-rec-'));
    const outside = mkdtempSync(join(tmpdir(), 'lecture-secret-'));
    writeFileSync(join(outside, 'secret.txt'), 'not for students');
    writeFileSync(join(recordings, 'demo-ok.cast'), '{"version":2,"width":80,"height":24}\n');
    symlinkSync(join(outside, 'secret.txt'), join(recordings, 'demo-leak.cast'));
    symlinkSync('/etc/passwd', join(recordings, 'demo-passwd.cast'));
    const s = await start({ recordingsDir: recordings });
    expect((await fetch(`${s.url}/recordings/demo-ok.cast`)).status).toBe(200);
    for (const name of ['demo-leak.cast', 'demo-passwd.cast', '..%2fsecret.txt']) {
      const res = await fetch(`${s.url}/recordings/${name}`);
      expect(res.status, name).toBe(404);
      expect(await res.text()).not.toMatch(/not for students|root:/);
    }
  });
});

describe('sockets and channels per client address (issue 9, item 5)', () => {
  const connect = (headers: Record<string, string>) =>
    new Promise<{ ws: WebSocket; status: number }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server?.port}${WS_PATH}`, { headers });
      ws.on('open', () => resolve({ ws, status: 101 }));
      ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
      ws.on('error', () => resolve({ ws, status: 0 }));
    });

  it('refuses sockets past the per-address cap (429) while other students and the presenter still get in', async () => {
    await start({ trustProxy: 'loopback', limits: { socketsPerAddress: 3 } });
    const student = { 'X-Forwarded-For': '10.1.2.3' };
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await connect(student));
    expect(open.map((c) => c.status)).toEqual([101, 101, 101]);
    expect((await connect(student)).status).toBe(429);
    expect((await connect({ 'X-Forwarded-For': '10.1.2.4' })).status).toBe(101);
    expect((await connect({ ...student, Authorization: `Bearer ${SECRET}` })).status).toBe(101);
    // A socket that closes gives its place back.
    open[0]?.ws.close();
    await expect.poll(async () => (await connect(student)).status, { timeout: 10_000 }).toBe(101);
  });

  // A peer address that is not loopback: this machine's own LAN address, as a student's would be.
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(!lan)(
    'caps TCP connections per address before any HTTP: idle connections past it are closed, others still get in',
    async () => {
      await start({ host: '0.0.0.0', limits: { connectionsPerAddress: 4 } });
      const port = server?.port as number;
      const open: Socket[] = [];
      const dial = () =>
        new Promise<{ socket: Socket; closedAt: 'at-once' | 'open' }>((resolve) => {
          const socket = createConnection({ host: lan as string, port });
          socket.on('error', () => undefined);
          socket.once('close', () => resolve({ socket, closedAt: 'at-once' }));
          // A refused connection is closed by the server as it arrives: well within a second.
          socket.once('connect', () => setTimeout(() => resolve({ socket, closedAt: socket.destroyed ? 'at-once' : 'open' }), 1000));
        });
      for (let i = 0; i < 4; i++) {
        const c = await dial();
        expect(c.closedAt).toBe('open');
        open.push(c.socket);
      }
      // The fifth idle connection from that address is closed; this machine still gets in.
      expect((await dial()).closedAt).toBe('at-once');
      expect((await fetch(`http://127.0.0.1:${port}/api/whoami`)).status).toBe(200);
      // One closes: its place is free again.
      open.shift()?.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await dial();
      expect(again.closedAt).toBe('open');
      for (const s of [...open, again.socket]) s.destroy();
    },
    20_000,
  );

  it('keeps the lecturer in when the room is full: the total cap refuses everyone but the presenter (503)', async () => {
    await start({ trustProxy: 'loopback', limits: { maxSockets: 2 } });
    expect((await connect({ 'X-Forwarded-For': '10.0.0.1' })).status).toBe(101);
    expect((await connect({ 'X-Forwarded-For': '10.0.0.2' })).status).toBe(101);
    expect((await connect({ 'X-Forwarded-For': '10.0.0.3' })).status).toBe(503);
    expect((await connect({ Authorization: `Bearer ${SECRET}` })).status).toBe(101);
  });

  it('caps open channels per address over all its sockets, and gives them back on close', async () => {
    await start({ trustProxy: 'loopback', limits: { channelsPerAddress: 3 } });
    const errors: string[] = [];
    const opened: number[] = [];
    const sockets = [];
    for (let s = 0; s < 2; s++) {
      const { ws } = await connect({ 'X-Forwarded-For': '10.9.9.9' });
      ws.on('message', (raw, isBinary) => {
        const parsed = decodeServerFrame(isBinary ? raw : raw.toString());
        if (!parsed.ok) return;
        const m = parsed.message;
        if (m.type === 'error') errors.push(`${m.code}:${m.channel}`);
        if (m.type === 'opened') opened.push(m.channel);
      });
      ws.send(encode({ type: 'hello', protocol: PROTOCOL_VERSION }));
      sockets.push(ws);
    }
    const open = (ws: WebSocket, channel: number) =>
      ws.send(encode({ type: 'open', channel, pane: 'p', env: 'sandbox', cols: 80, rows: 24 }));
    open(sockets[0] as WebSocket, 1);
    open(sockets[0] as WebSocket, 2);
    open(sockets[1] as WebSocket, 3);
    open(sockets[1] as WebSocket, 4);
    await expect.poll(() => opened.length + errors.length, { timeout: 10_000 }).toBe(4);
    // Three of the four opened (the two sockets race), the fourth was refused.
    expect(opened).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^capacity:/);
    const [socket, channel] = opened.includes(1) ? [sockets[0], 1] : [sockets[0], 2];
    socket?.send(encode({ type: 'close', channel }));
    open(sockets[1] as WebSocket, 5);
    await expect.poll(() => opened, { timeout: 10_000 }).toContain(5);
  });
});
