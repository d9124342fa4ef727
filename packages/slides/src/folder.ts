import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type DeckEnvironment, parseEnvironments } from './environments.js';
import { type Deck, DeckError } from './model.js';
import { parseDeck } from './parse.js';

/** The files of a deck folder. */
export const DECK_FILES = { slides: 'slides.md', environments: 'environments.yaml', recordings: 'recordings' } as const;

/** The deck presented when none is named: the containers lecture. */
export const DEFAULT_DECK = 'slides/containers-demo';

/**
 * A deck is a folder: `slides.md` (the Markdown), `environments.yaml` (the environments its
 * terminals open), the Dockerfile contexts those environments build, and `recordings/` (its
 * demos' recordings).
 */
export interface DeckFolder {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** The folder's name: names the deck's built images (`lecture/<name>-<env>`) and its exports. */
  readonly name: string;
  readonly deck: Deck;
  readonly environments: readonly DeckEnvironment[];
  /** Where the demo recordings are (`<dir>/recordings`). */
  readonly recordingsDir: string;
  /** Every file the deck was read from (slides, environments, included files): what a watcher watches. */
  readonly files: readonly string[];
}

export interface LoadDeckOptions {
  /** The repository: `file=` includes may read inside the deck folder or the repository. */
  readonly repoRoot: string;
  /** Errors name files relative to this folder (default: the current directory). */
  readonly cwd?: string;
}

/** The deck folder a path names: the folder itself, or a file in it (its slides.md). */
export function deckDir(path: string): string {
  const full = resolve(path);
  return (existsSync(full) && statSync(full).isFile()) || full.endsWith('.md') ? dirname(full) : full;
}

/** Read, parse and check a deck folder. Every mistake is a DeckError naming its file and line. */
export function loadDeckFolder(path: string, options: LoadDeckOptions): DeckFolder {
  const dir = deckDir(path);
  const cwd = options.cwd ?? process.cwd();
  const shown = (file: string) => {
    const r = relative(cwd, file);
    return r && !r.startsWith('..') ? r : file;
  };
  const slidesFile = join(dir, DECK_FILES.slides);
  const environmentsFile = join(dir, DECK_FILES.environments);
  if (!existsSync(slidesFile)) {
    throw new DeckError(`no deck here: a deck is a folder with ${DECK_FILES.slides} and ${DECK_FILES.environments} (npm run new -- my-lecture makes one)`, 1, shown(slidesFile));
  }
  const files = [slidesFile];
  const roots = [dir, resolve(options.repoRoot)];
  const deck = parseDeck(readFileSync(slidesFile, 'utf8'), {
    file: shown(slidesFile),
    // A fence's file= path is relative to the deck folder and stays in the deck or the repository.
    readFile: (file) => {
      const full = resolve(dir, file);
      if (!roots.some((root) => full.startsWith(root + sep))) throw new Error(`${file} is outside the deck and the repository`);
      const content = readFileSync(full, 'utf8');
      files.push(full);
      return content;
    },
  });
  if (!existsSync(environmentsFile)) {
    throw new DeckError(`the deck has no ${DECK_FILES.environments}: declare the environments its terminals open`, 1, shown(environmentsFile));
  }
  files.push(environmentsFile);
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const environments = parseEnvironments(readFileSync(environmentsFile, 'utf8'), { file: shown(environmentsFile), deckName: name });
  for (const env of environments) {
    if (env.build && !existsSync(join(dir, env.build, 'Dockerfile'))) {
      throw new DeckError(`environments: ${env.spec.id}.build: no Dockerfile in ${env.build}/`, env.line, shown(environmentsFile));
    }
  }

  // Every terminal opens a declared environment; "try it" slides open an audience one.
  const byId = new Map(environments.map((e) => [e.spec.id, e]));
  for (const slide of deck.slides) {
    for (const block of slide.blocks) {
      if (block.kind !== 'terminal' || byId.has(block.env)) continue;
      throw new DeckError(
        `slide "${slide.id}": terminal ${block.pane} opens env "${block.env}", which ${DECK_FILES.environments} does not declare (it has: ${[...byId.keys()].join(', ') || 'none'})`,
        block.line ?? slide.line,
        shown(slidesFile),
      );
    }
  }
  const trySlide = deck.slides.find((s) => s.try === 'sandbox');
  if (trySlide) {
    const sandbox = deck.meta.sandbox ?? 'sandbox';
    const env = byId.get(sandbox);
    if (!env || env.access !== 'audience') {
      throw new DeckError(
        `slide "${trySlide.id}": try="sandbox" opens the audience environment "${sandbox}", but ${DECK_FILES.environments} ${env ? 'does not give it access: audience' : 'does not declare it'}${deck.meta.sandbox ? '' : ' (name another one with sandbox: <env> in the front matter)'}`,
        trySlide.line,
        shown(slidesFile),
      );
    }
  }
  return { dir, name, deck, environments, recordingsDir: join(dir, DECK_FILES.recordings), files };
}
