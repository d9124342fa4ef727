import { type FSWatcher, readdirSync, watch } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Disposable } from '@lecture/containers';

export interface DeckWatchOptions {
  /** The deck folder, watched with its subfolders (its recordings excepted). */
  readonly dir: string;
  /** Files the deck includes from outside its folder (```lang file=…). */
  readonly files: () => readonly string[];
  /** Called once per burst of changes (an editor's save is several events). */
  readonly onChange: () => void;
  /** Quiet time that ends a burst. */
  readonly debounceMs?: number;
}

/** Default quiet time after a save before the deck is read again: well inside the one-second budget. */
export const DECK_WATCH_DEBOUNCE_MS = 80;

/** Not the deck: the recordings (the server writes them), editor swap and backup files. */
function ignoredName(name: string): boolean {
  return /^\.#|\.sw[a-p]x?$|~$|^4913$|\.tmp$/.test(name);
}

/** The deck folder and its subfolders, without recordings/ and hidden folders. */
function folders(dir: string): string[] {
  const found = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    if (dir === found[0] && entry.name === 'recordings') continue;
    found.push(...folders(join(dir, entry.name)));
  }
  return found;
}

/**
 * Watch a deck's files and call `onChange` after each save (npm run dev). Folders are watched,
 * not files: editors save by writing a new file and renaming it over the old one, which a
 * watch on the old file (or Node's recursive watch on Linux) stops seeing.
 */
export function watchDeck(options: DeckWatchOptions): Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watchers: FSWatcher[] = [];
  let disposed = false;
  const fire = () => {
    if (disposed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      options.onChange();
      rewatch();
    }, options.debounceMs ?? DECK_WATCH_DEBOUNCE_MS);
  };
  const watchFolder = (dir: string, only?: ReadonlySet<string>) => {
    try {
      watchers.push(
        watch(dir, (_event, name) => {
          const file = name ? String(name) : '';
          if (file && (ignoredName(file) || (only && !only.has(file)))) return;
          fire();
        }),
      );
    } catch {
      // The folder went away: the next load says what is missing.
    }
  };
  // After every load: the deck's folders (a new images/ folder), and the folders of the files it
  // includes from outside (only those files).
  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
    if (disposed) return;
    for (const dir of folders(options.dir)) watchFolder(dir);
    const outside = new Map<string, Set<string>>();
    for (const file of options.files()) {
      if (!relative(options.dir, file).startsWith(`..${sep}`)) continue;
      const names = outside.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      outside.set(dirname(file), names);
    }
    for (const [dir, names] of outside) watchFolder(dir, names);
  };
  rewatch();
  return {
    dispose() {
      disposed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
