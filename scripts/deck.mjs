// The deck a command is about (`npm start -- path/to/deck`, export, record, dev), its data, and
// its images. Shared by the scripts in this folder.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DECK = 'slides/containers-demo';

/** Where the user typed the command (npm runs scripts from the repository root). */
const cwd = process.env.INIT_CWD ?? process.cwd();

/** Is this argument a deck (a folder, or a .md file) rather than a slide id or an option? */
function isDeckPath(arg) {
  if (arg.startsWith('-')) return false;
  const full = resolve(cwd, arg);
  return arg.includes('/') || arg.endsWith('.md') || (existsSync(full) && statSync(full).isDirectory());
}

/**
 * Split a command's arguments into the deck (the first path, else LECTURE_DECK, else the
 * containers lecture) and the rest. `valued` are options that take a value (`--out file`).
 */
export function deckArgs(args, { valued = ['--out'] } = {}) {
  const rest = [];
  let deck;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (valued.includes(arg)) {
      rest.push(arg, args[++i]);
    } else if (deck === undefined && isDeckPath(arg)) {
      deck = resolve(cwd, arg);
    } else rest.push(arg);
  }
  return { deck: deck ?? resolve(root, process.env.LECTURE_DECK ?? DEFAULT_DECK), named: deck !== undefined, rest };
}

/** Load and check a deck folder (the packages must be built: npm run build). Exits with file:line on a mistake. */
export async function loadDeck(deck) {
  const { loadDeckFolder } = await import('@lecture/slides');
  try {
    return loadDeckFolder(deck, { repoRoot: root });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

/**
 * Build the images a deck's environments use, with docker/build.sh's cached, offline-aware
 * build: the lecture's own images by name, the deck's Dockerfile contexts with --context.
 * Returns false when a build failed.
 */
export function buildDeckImages(folder, { stdio = 'inherit' } = {}) {
  const named = new Set();
  const contexts = new Map();
  for (const env of folder.environments) {
    if (env.build) contexts.set(env.spec.image, join(folder.dir, env.build));
    else if (env.spec.image.startsWith('lecture/')) named.add(env.spec.image);
  }
  for (const image of contexts.keys()) named.delete(image);
  const runs = [];
  if (named.size) runs.push(['docker/build.sh', ...named]);
  for (const [image, dir] of contexts) runs.push(['docker/build.sh', '--context', dir, image]);
  for (const args of runs) {
    const r = spawnSync('bash', args, { cwd: root, stdio });
    if (r.status !== 0) return false;
  }
  // Images from elsewhere (e.g. debian:bookworm-slim) are the engine's: say when one is missing.
  for (const env of folder.environments) {
    const image = env.spec.image;
    if (env.build || image.startsWith('lecture/')) continue;
    if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0) {
      const pulled = spawnSync('docker', ['pull', image], { stdio });
      if (pulled.status !== 0) console.warn(`The image ${image} (environment ${env.spec.id}) is not here and could not be pulled.`);
    }
  }
  return true;
}
