import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Role } from '@lecture/protocol';
import proxyaddr from 'proxy-addr';
import { RateLimiterMemory } from 'rate-limiter-flexible';

export const PRESENTER_COOKIE = 'lecture_presenter';

export function newSecret(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Constant-time comparison of a candidate with the secret: both are hashed first, so neither
 * the content nor the length of the secret shows in the time it takes.
 */
export function safeEqual(candidate: string, secret: string): boolean {
  const digest = (s: string) => createHmac('sha256', 'lecture-compare').update(s).digest();
  return timingSafeEqual(digest(candidate), digest(secret));
}

/**
 * What the presenter cookie holds: a token derived from the key, never the key itself (a cookie
 * copied from a browser's storage does not reveal the key that the presenter URL carries).
 */
export function presenterToken(secret: string): string {
  return createHmac('sha256', secret).update('lecture presenter cookie v1').digest('base64url');
}

/** The presenter credential a request carries, if any (it may be wrong). */
export function presentedCredential(request: IncomingMessage): { kind: 'cookie' | 'bearer'; value: string } | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { kind: 'bearer', value: auth.slice(7) };
  const cookie = parseCookies(request.headers.cookie).get(PRESENTER_COOKIE);
  if (cookie) return { kind: 'cookie', value: cookie };
  return undefined;
}

/** Whether a presented credential is right: the key as a bearer, or the token in the cookie. */
export function credentialValid(credential: { kind: 'cookie' | 'bearer'; value: string }, secret: string): boolean {
  return credential.kind === 'bearer' ? safeEqual(credential.value, secret) : safeEqual(credential.value, presenterToken(secret));
}

/** Wrong credentials remembered as already counted (about 100 bytes each). */
const MAX_COUNTED_CREDENTIALS = 10_000;

/**
 * Rate limit on guessing the presenter key, per client address: after `guessesPerMinute` wrong
 * keys (in the URL, a cookie or a bearer header) within a minute, the address is refused for a
 * minute (HTTP 429 with Retry-After). The right key is not checked while blocked.
 */
export class KeyGuard {
  private readonly limiter: RateLimiterMemory;
  /**
   * Wrong cookies and bearer keys already counted, per address (hashed, bounded). A stale cookie
   * (last week's server, another key) comes with every request and every socket the page opens:
   * counted each time, it would lock the lecturer's own address out of the right key. A guesser
   * sends a new value each time, and each new one counts.
   */
  private readonly counted = new Map<string, true>();

  constructor(readonly guessesPerMinute: number) {
    this.limiter = new RateLimiterMemory({ points: guessesPerMinute, duration: 60, blockDuration: 60 });
  }

  /** Seconds until `address` may try again; 0 when it may now. */
  async retryAfter(address: string): Promise<number> {
    const res = await this.limiter.get(address);
    if (!res || res.consumedPoints < this.guessesPerMinute) return 0;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  /** Count a wrong key from `address`. */
  async failed(address: string): Promise<void> {
    await this.limiter.consume(address).catch(() => undefined);
  }

  /**
   * The role a request's credentials give, counting a wrong one. `blocked` (seconds) when the
   * address has guessed too often: its credentials are not even checked (audience at most).
   */
  async authenticate(request: IncomingMessage, secret: string, address: string): Promise<{ role: Role; blocked?: number; wrong?: boolean }> {
    const credential = presentedCredential(request);
    if (!credential) return { role: 'audience' };
    const blocked = await this.retryAfter(address);
    if (blocked > 0) return { role: 'audience', blocked };
    if (credentialValid(credential, secret)) return { role: 'presenter' };
    const seen = createHash('sha256').update(`${address}\n${credential.kind}\n${credential.value}`).digest('base64url');
    if (!this.counted.has(seen)) {
      if (this.counted.size >= MAX_COUNTED_CREDENTIALS) this.counted.delete(this.counted.keys().next().value as string);
      this.counted.set(seen, true);
      await this.failed(address);
    }
    return { role: 'audience', wrong: true };
  }
}

/**
 * The client's address: the socket's peer, or the address a trusted reverse proxy reports in
 * X-Forwarded-For (only when `trust` says the peer is such a proxy: LECTURE_TRUST_PROXY).
 */
export function clientAddress(request: IncomingMessage, trust: (address: string, hop: number) => boolean): string {
  try {
    return proxyaddr(request, trust);
  } catch {
    return request.socket.remoteAddress ?? 'unknown';
  }
}

/** Loopback is this machine: the lecturer's own browser, tests, benchmarks; never a student's device. */
export function isLoopback(address: string): boolean {
  return /^(127\.|::1$|::ffff:127\.)/.test(address);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a malformed cookie is no credential
    }
  }
  return cookies;
}

/**
 * Presenter rights come only from the secret: the HttpOnly cookie set by /presenter?key=… (a
 * token derived from it), or an `Authorization: Bearer` header for non-browser clients.
 * Everyone else is audience. (Without rate limiting: see KeyGuard.authenticate.)
 */
export function roleOf(request: IncomingMessage, secret: string): Role {
  const credential = presentedCredential(request);
  return credential && credentialValid(credential, secret) ? 'presenter' : 'audience';
}

/**
 * Cross-site WebSocket hijacking guard: a browser always sends Origin, and it must be this
 * server's own (or one configured). Clients without Origin are not browsers and carry no
 * ambient cookie, so they get only what their explicit credentials give.
 */
export function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowed.includes(origin);
}
