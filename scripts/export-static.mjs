#!/usr/bin/env node
/**
 * `npm run export:static`: the deck as static files in export/site/, to host anywhere after the
 * lecture (no server, no WebSocket). Built with VITE_STATIC=1, so every terminal replays its
 * demo's recording; the recordings are copied beside the deck (export/site/recordings/).
 *
 *   node scripts/serve-static.mjs export/site 8300    then open http://127.0.0.1:8300/
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(root, outIndex >= 0 ? args[outIndex + 1] : 'export/site');
const deck = resolve(root, process.env.LECTURE_DECK ?? 'slides/containers-demo');
const recordings = resolve(root, process.env.LECTURE_RECORDINGS ?? join(deck, 'recordings'));
const started = Date.now();

// The packages the deck imports are compiled by tsc -b (quick when up to date).
const tsc = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const vite = spawnSync(
  'npx',
  ['vite', 'build', '--outDir', out, '--emptyOutDir', '--base', './', '--sourcemap', 'false', '--logLevel', 'warn'],
  { cwd: join(root, 'apps/web'), stdio: 'inherit', env: { ...process.env, VITE_STATIC: '1' } },
);
if (vite.status !== 0) process.exit(vite.status ?? 1);

mkdirSync(join(out, 'recordings'), { recursive: true });
let count = 0;
let bytes = 0;
for (const name of readdirSync(recordings)) {
  if (!name.endsWith('.cast')) continue;
  copyFileSync(join(recordings, name), join(out, 'recordings', name));
  count++;
  bytes += statSync(join(recordings, name)).size;
}
console.log(
  `Wrote ${out}: the deck and ${count} recordings (${Math.round(bytes / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n` +
    `Serve it with any static server, e.g. node scripts/serve-static.mjs ${out} 8300`,
);
