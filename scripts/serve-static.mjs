// A small static file server for the exports: a folder, plus (optionally) the recordings
// folder at /recordings/. No dependencies; used by export-pdf.mjs and export-static.mjs --check.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.cast': 'application/x-asciicast',
};

function inside(root, path) {
  const full = normalize(join(root, path));
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

/**
 * Serve `root` (and `recordings` at /recordings/, and `deckJson` as /deck.json) on 127.0.0.1;
 * resolves to { url, close }.
 */
export function serveStatic(root, { recordings, deckJson, port = 0 } = {}) {
  const base = resolve(root);
  const casts = recordings ? resolve(recordings) : undefined;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (deckJson !== undefined && path === '/deck.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(deckJson);
      return;
    }
    let file = casts && path.startsWith('/recordings/') ? inside(casts, path.slice('/recordings/'.length)) : inside(base, path);
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolveServer({
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// `node scripts/serve-static.mjs export/site [port]`: serve a folder until Ctrl-C.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const [folder = 'export/site', port = '8300'] = process.argv.slice(2);
  const { url } = await serveStatic(folder, { port: Number(port) });
  console.log(`Serving ${folder} at ${url}/ (Ctrl-C to stop)`);
}
