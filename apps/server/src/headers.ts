import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers for every HTTP answer (helmet): a Content-Security-Policy that fits the deck,
 * nosniff, no referrer (the presenter URL carries the key), and framing by the deck itself only
 * (reveal's speaker view shows the slides in its own iframes).
 *
 * The one inline script is reveal's speaker view: its popup is an about:blank document written
 * by the deck, which inherits the deck's policy. It is allowed by its hash, read from the built
 * deck, so that no other inline script runs.
 */
export function securityHeaders(options: { webRoot?: string } = {}): RequestHandler {
  const hashes = options.webRoot ? inlineScriptHashes(options.webRoot) : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", ...hashes],
        'script-src-attr': ["'none'"],
        // xterm.js and reveal.js add <style> elements and style attributes at run time.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        // 'self' covers ws:// and wss:// to the deck's own host.
        'connect-src': ["'self'"],
        'frame-src': ["'self'"],
        'frame-ancestors': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
      },
    },
    // The deck is usually served over plain HTTP on the room's network: HSTS is the TLS proxy's call.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'sameorigin' },
  });
}

/** CSP hashes of the inline scripts that the built deck writes into documents (document.write). */
export function inlineScriptHashes(webRoot: string): string[] {
  const assets = join(webRoot, 'assets');
  if (!existsSync(assets)) return [];
  const hashes = new Set<string>();
  for (const name of readdirSync(assets)) {
    if (!name.endsWith('.js')) continue;
    const source = readFileSync(join(assets, name), 'utf8');
    let at = source.indexOf('document.write(');
    while (at >= 0) {
      const html = readStringLiteral(source, at + 'document.write('.length);
      for (const match of html?.matchAll(/<script>([\s\S]*?)<\/script>/g) ?? []) {
        hashes.add(
          `'sha256-${createHash('sha256')
            .update(match[1] ?? '', 'utf8')
            .digest('base64')}'`,
        );
      }
      at = source.indexOf('document.write(', at + 1);
    }
  }
  return [...hashes];
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** The value of a JavaScript string or template literal (without substitutions) at `start`. */
export function readStringLiteral(source: string, start: number): string | undefined {
  const quote = source[start];
  if (quote !== '"' && quote !== "'" && quote !== '`') return undefined;
  let out = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i] as string;
    if (c === quote) return out;
    if (quote === '`' && c === '$' && source[i + 1] === '{') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = source[++i] as string;
    if (e === 'x') {
      out += String.fromCharCode(Number.parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' && source[i + 1] === '{') {
      const end = source.indexOf('}', i);
      out += String.fromCodePoint(Number.parseInt(source.slice(i + 2, end), 16));
      i = end;
    } else if (e === 'u') {
      out += String.fromCharCode(Number.parseInt(source.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e === '\r' && source[i + 1] === '\n') {
      i++;
    } else if (e !== '\n' && e !== '\r') {
      out += ESCAPES[e] ?? e;
    }
  }
  return undefined;
}
