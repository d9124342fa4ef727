import { type LoadDeckOptions, loadDeckFolder } from './folder.js';
import type { Deck } from './model.js';

/** Read and parse a deck folder (or its slides.md) and return its slides: see loadDeckFolder. */
export function loadDeck(path: string, options: LoadDeckOptions): Deck {
  return loadDeckFolder(path, options).deck;
}
