#!/usr/bin/env node
// A built checkout of another revision, to run beside this one in the bench:
//   node bench/checkout.mjs <rev> <dir>   then   BENCH_COMPARE=<dir> npm run bench
// The revision's files (`git archive`), built with `tsc -b`. Its node_modules are this
// checkout's, linked in (no install, no network), except the workspace's own packages, which
// point at the revision's. The deck's web build is this checkout's: the bench compares servers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [rev, target] = process.argv.slice(2);
if (!rev || !target) {
  console.error('usage: node bench/checkout.mjs <rev> <dir>');
  process.exit(2);
}
const dir = resolve(target);
if (dir === root || root.startsWith(`${dir}/`)) throw new Error(`${dir} would replace this checkout`);

rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'node_modules', '@lecture'), { recursive: true });
execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" | tar -x -C "${dir}"`], { stdio: 'inherit' });

for (const entry of readdirSync(join(root, 'node_modules'))) {
  if (entry === '@lecture' || entry.startsWith('.package-lock')) continue;
  symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
}
// The workspace's packages: the same relative links as here (../../packages/x), to the revision's.
for (const name of readdirSync(join(root, 'node_modules', '@lecture'))) {
  symlinkSync(readlinkSync(join(root, 'node_modules', '@lecture', name)), join(dir, 'node_modules', '@lecture', name));
}
if (existsSync(join(root, 'apps/web/dist'))) symlinkSync(join(root, 'apps/web/dist'), join(dir, 'apps/web/dist'));

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: dir, stdio: 'inherit' });
console.log(`${rev} built in ${dir}: BENCH_COMPARE=${dir} npm run bench`);
