#!/usr/bin/env node
// `npm start [-- path/to/deck]`: install what is missing, build the app and the deck's images,
// start the server and print the URLs. Safe to run again: every step is cached and only does
// what changed. Without a deck it presents the containers lecture (slides/containers-demo).
// `npm run dev [-- path/to/deck]` is the same with --watch: every saved change of the deck
// reaches the open pages within a second (docs/authoring.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildDeckImages, deckArgs, loadDeck, root } from './deck.mjs';

const { deck, named, rest } = deckArgs(process.argv.slice(2));
const watch = rest.includes('--watch');
const t0 = Date.now();
const say = (text) => console.log(`[start ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${text}`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node ${process.versions.node} is too old: this project needs Node 20.19 or newer.`);
  process.exit(1);
}

// 1. Dependencies: install when node_modules is missing or older than the lock file.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules/.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Build: TypeScript project references (incremental) and the deck.
say('building…');
run('npm', ['run', '--silent', 'build']);

// 3. The deck (every mistake with its file:line) and its images: cached by a hash of their
// inputs; only the first run takes minutes.
const folder = await loadDeck(deck);
say(`deck ${relative(root, folder.dir) || folder.dir}: "${folder.deck.meta.title}", ${folder.deck.slides.length} slides, environments ${folder.environments.map((e) => e.spec.id).join(', ')}`);
const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
if (engine.status === 0) {
  say(`Docker Engine ${engine.stdout.trim()}: building the images (cached)…`);
  if (!named) run('bash', ['docker/build.sh']);
  else if (!buildDeckImages(folder)) {
    console.error('\nBuilding the deck\'s images failed (see above).');
    process.exit(1);
  }
} else {
  say('WARNING: no Docker Engine is reachable, so the images cannot be built and the terminals');
  say('will say so. Start one (sudo systemctl start docker, or dockerd &) and run npm start again.');
}

// 4. Serve.
say(watch ? 'starting the server, watching the deck…' : 'starting the server…');
const server = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LECTURE_DECK: folder.dir, ...(watch ? { LECTURE_WATCH: '1' } : {}) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
