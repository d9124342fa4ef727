import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Deck } from './model.js';
import { parseDeck } from './parse.js';

/** Read and parse a deck; fenced `file=` includes resolve inside the repository only. */
export function loadDeck(path: string, options: { repoRoot: string }): Deck {
  const root = resolve(options.repoRoot);
  return parseDeck(readFileSync(path, 'utf8'), {
    readFile: (file) => {
      const full = resolve(root, file);
      if (!full.startsWith(root + sep)) throw new Error(`${file} is outside the repository`);
      return readFileSync(full, 'utf8');
    },
  });
}
