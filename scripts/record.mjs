#!/usr/bin/env node
// `npm run record [-- path/to/deck] [slide-id ...]`: build the app and the deck's images (cached),
// then run every demo of the deck in its real environments and record it
// (apps/server/src/tools/record-demos.ts has the details).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildDeckImages, deckArgs, loadDeck, root } from './deck.mjs';

const { deck, rest } = deckArgs(process.argv.slice(2));
const tsc = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const folder = await loadDeck(deck);
if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 && !buildDeckImages(folder)) process.exit(1);
const r = spawnSync(process.execPath, [join(root, 'apps/server/dist/tools/record-demos.js'), ...rest], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LECTURE_DECK: folder.dir },
});
process.exit(r.status ?? 1);
