import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Role } from '@lecture/protocol';

export const PRESENTER_COOKIE = 'lecture_presenter';

export function newSecret(): string {
  return randomBytes(18).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
 * Presenter rights come only from the secret: the HttpOnly cookie set by /presenter?key=…, or
 * an `Authorization: Bearer` header for non-browser clients. Everyone else is audience.
 */
export function roleOf(request: IncomingMessage, secret: string): Role {
  const cookie = parseCookies(request.headers.cookie).get(PRESENTER_COOKIE);
  if (cookie && safeEqual(cookie, secret)) return 'presenter';
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), secret)) return 'presenter';
  return 'audience';
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
