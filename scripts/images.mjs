#!/usr/bin/env node
// `npm run build:images [-- path/to/deck ...]`: the images of these decks (cached; see
// docker/README.md). Without a deck: every image of docker/build.sh, as before.
import { spawnSync } from 'node:child_process';
import { buildDeckImages, deckArgs, loadDeck, root } from './deck.mjs';

const args = process.argv.slice(2);
if (args.length === 0) {
  process.exit(spawnSync('bash', ['docker/build.sh'], { cwd: root, stdio: 'inherit' }).status ?? 1);
}
let rest = args;
while (rest.length) {
  const { deck, named, rest: others } = deckArgs(rest);
  if (!named) {
    console.error(`Not a deck: ${others.join(' ')}`);
    process.exit(2);
  }
  if (!buildDeckImages(await loadDeck(deck))) process.exit(1);
  rest = others;
}
