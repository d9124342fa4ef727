// What the bench scripts share: the sandbox's limits and shell, percentiles, the real server as a
// child process, and the docs' tables.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A bench container's limits: the audience sandbox's (0.5 CPU, 256 MiB, no network). */
export const LIMITS = ['--cpus', '0.5', '--memory', '256m', '--pids-limit', '128', '--network', 'none'];
/** `docker exec` of the sandbox's shell, as the server runs it (`bash -l` follows the container). */
export const EXEC = ['exec', '-it', '-u', 'student', '-w', '/home/student', '-e', 'TERM=xterm-256color'];

/** Bytes as MiB, one decimal. */
export const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The p-th percentile (nearest rank) of `values`. */
export function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * The real server (apps/server/dist/main.js) as a child process (its memory and CPU its own) on
 * 127.0.0.1:`port` with the presenter's `secret`, once its health check answers.
 */
export async function startServer({ port, secret, env = {} }) {
  const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LECTURE_SECRET: secret, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // Readiness, not a figure: a busy machine may take a while to load the deck and reach the engine.
  for (let i = 0; i < 600 && !exited; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return child;
    } catch {}
    await sleep(100);
  }
  child.kill('SIGTERM');
  throw new Error(exited ? 'the server exited at start (is the port free?)' : 'the server did not start');
}

/** Writes a doc of figures, unless BENCH_WRITE=0 (print only); says whether it did. */
export function writeDoc(docPath, text) {
  if (process.env.BENCH_WRITE === '0') return false;
  writeFileSync(docPath, text);
  return true;
}

/**
 * Replaces what stands between `<!-- name:begin -->` and `<!-- name:end -->` in a doc with
 * `text` (not with BENCH_WRITE=0, nor in a doc without the markers); says whether it did.
 */
export function writeBetweenMarkers(docPath, name, text) {
  const doc = readFileSync(docPath, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  if (!doc.includes(begin) || !doc.includes(end)) return false;
  return writeDoc(docPath, `${doc.slice(0, doc.indexOf(begin) + begin.length)}\n${text}\n${doc.slice(doc.indexOf(end))}`);
}
