#!/usr/bin/env node
/**
 * `npm run export:static [-- path/to/deck] [--out folder]`: the deck as static files in
 * export/site/ (export/<deck>-site/ for a deck named), to host anywhere after the lecture (no
 * server, no WebSocket). Built with VITE_STATIC=1, so every terminal replays its demo's
 * recording; the deck (deck.json) and its recordings are copied beside it (recordings/).
 *
 *   node scripts/serve-static.mjs export/site 8300    then open http://127.0.0.1:8300/
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deckArgs, loadDeck, root } from './deck.mjs';

const { deck, named, rest: args } = deckArgs(process.argv.slice(2));
const outIndex = args.indexOf('--out');
const started = Date.now();

// The packages the deck imports are compiled by tsc -b (quick when up to date).
const tsc = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const folder = await loadDeck(deck);
const out = resolve(process.env.INIT_CWD ?? root, outIndex >= 0 ? args[outIndex + 1] : join(root, named ? `export/${folder.name}-site` : 'export/site'));
const recordings = resolve(root, process.env.LECTURE_RECORDINGS ?? folder.recordingsDir);
const vite = spawnSync(
  'npx',
  ['vite', 'build', '--outDir', out, '--emptyOutDir', '--base', './', '--sourcemap', 'false', '--logLevel', 'warn'],
  { cwd: join(root, 'apps/web'), stdio: 'inherit', env: { ...process.env, VITE_STATIC: '1' } },
);
if (vite.status !== 0) process.exit(vite.status ?? 1);

writeFileSync(join(out, 'deck.json'), JSON.stringify(folder.deck));
mkdirSync(join(out, 'recordings'), { recursive: true });
let count = 0;
let bytes = 0;
for (const name of existsSync(recordings) ? readdirSync(recordings) : []) {
  if (!name.endsWith('.cast')) continue;
  copyFileSync(join(recordings, name), join(out, 'recordings', name));
  count++;
  bytes += statSync(join(recordings, name)).size;
}
console.log(
  `Wrote ${out}: the deck and ${count} recordings (${Math.round(bytes / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s.\n` +
    `Serve it with any static server, e.g. node scripts/serve-static.mjs ${out} 8300`,
);
