// What the bench scripts share: the sandbox's limits and shell, percentiles, and the docs' tables.
import { readFileSync, writeFileSync } from 'node:fs';

/** A bench container's limits: the audience sandbox's (0.5 CPU, 256 MiB, no network). */
export const LIMITS = ['--cpus', '0.5', '--memory', '256m', '--pids-limit', '128', '--network', 'none'];
/** `docker exec` of the sandbox's shell, as the server runs it (`bash -l` follows the container). */
export const EXEC = ['exec', '-it', '-u', 'student', '-w', '/home/student', '-e', 'TERM=xterm-256color'];

/** The p-th percentile (nearest rank) of `values`. */
export function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
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
