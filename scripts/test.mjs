#!/usr/bin/env node
// `npm test`: build, then every test against the real parts: unit and integration tests
// (vitest, the integration ones against the Docker Engine), then end-to-end tests (Playwright
// driving Chromium against the real server). Prints one closing line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
mkdirSync(results, { recursive: true });

function run(command, args, { mayFail = false } = {}) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  if (r.status !== 0 && !mayFail) {
    console.error(`${command} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  return r.status === 0;
}

if (!existsSync(join(root, 'node_modules'))) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'lint']);
run('bash', ['docker/build.sh']);
// The decks' own images (slides/<deck>/images/…), cached like the lecture's.
const decks = readdirSync(join(root, 'slides')).filter((d) => existsSync(join(root, 'slides', d, 'slides.md')));
run('node', ['scripts/images.mjs', ...decks.map((d) => `slides/${d}`)]);

const vitestOk = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${join(results, 'vitest.json')}`], { mayFail: true });
const e2eOk = run('npx', ['playwright', 'test'], { mayFail: true });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const v = JSON.parse(readFileSync(join(results, 'vitest.json'), 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
} catch {
  failed += 1;
  console.error('no vitest results');
}
try {
  const p = JSON.parse(readFileSync(join(results, 'e2e.json'), 'utf8'));
  passed += p.stats.expected;
  failed += p.stats.unexpected + p.stats.flaky;
  skipped += p.stats.skipped;
} catch {
  failed += 1;
  console.error('no Playwright results');
}
// A runner that failed without a failed test (its web server never started, a crash) is still
// a failure, and the closing line must not say otherwise.
if (!vitestOk && failed === 0) {
  failed += 1;
  console.error('vitest failed outside its tests');
}
if (!e2eOk && failed === 0) {
  failed += 1;
  console.error('Playwright failed outside its tests (e.g. a web server could not start)');
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(vitestOk && e2eOk && failed === 0 ? 0 : 1);
