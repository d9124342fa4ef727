import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvironments } from './environments.js';
import { DEFAULT_DECK, loadDeckFolder } from './folder.js';
import { DeckError } from './model.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A deck folder in a temporary directory: `files` maps relative paths to contents. */
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'deck-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>): string {
  const dir = join(root, 'my-lecture');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const SLIDES = `---
title: Processes
---

<!-- slide id="intro" -->
# Processes

---

<!-- slide id="demo" -->
## ps

\`\`\`terminal
pane: shell
env: procs
\`\`\`
`;

const ENVIRONMENTS = `procs:
  image: lecture/sandbox
  user: student
  workdir: /home/student
`;

function loadError(files: Record<string, string>): DeckError {
  const dir = write(files);
  try {
    loadDeckFolder(dir, { repoRoot, cwd: root });
  } catch (error) {
    expect(error).toBeInstanceOf(DeckError);
    return error as DeckError;
  }
  throw new Error('expected a DeckError');
}

/** The 1-based line of the first line of `text` that contains `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('a deck folder', () => {
  it('loads slides.md and environments.yaml, with safe defaults for what the environments leave out', () => {
    const dir = write({ 'slides.md': SLIDES, 'environments.yaml': ENVIRONMENTS });
    const folder = loadDeckFolder(dir, { repoRoot });
    expect(folder.name).toBe('my-lecture');
    expect(folder.deck.meta.title).toBe('Processes');
    expect(folder.deck.slides.map((s) => s.id)).toEqual(['intro', 'demo']);
    expect(folder.recordingsDir).toBe(join(dir, 'recordings'));
    expect(folder.files).toEqual([join(dir, 'slides.md'), join(dir, 'environments.yaml')]);
    const [procs] = folder.environments;
    expect(procs?.access).toBe('presenter');
    expect(procs?.spec).toEqual({
      id: 'procs',
      description: 'the procs environment',
      image: 'lecture/sandbox',
      user: 'student',
      shell: ['bash', '-l'],
      workdir: '/home/student',
      lifecycle: 'per-session',
      command: ['sleep', 'infinity'],
      limits: { memoryBytes: 256 * 1024 * 1024, cpus: 0.5, pids: 128 },
      network: 'none',
      readOnlyRoot: false,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges'],
    });
  });

  it('accepts the path of its slides.md too', () => {
    const dir = write({ 'slides.md': SLIDES, 'environments.yaml': ENVIRONMENTS });
    expect(loadDeckFolder(join(dir, 'slides.md'), { repoRoot }).dir).toBe(dir);
  });

  it('an environment built from the deck gets a tag of its own, and its Dockerfile must exist', () => {
    const env = 'procs:\n  build: images/procs\n  user: student\n  workdir: /home/student\n';
    const dir = write({ 'slides.md': SLIDES, 'environments.yaml': env, 'images/procs/Dockerfile': 'FROM lecture/debian:bookworm\n' });
    const [procs] = loadDeckFolder(dir, { repoRoot }).environments;
    expect(procs?.build).toBe('images/procs');
    expect(procs?.spec.image).toBe('lecture/my-lecture-procs:latest');
    rmSync(join(dir, 'images'), { recursive: true });
    const error = loadError({});
    expect(error.message).toBe('my-lecture/environments.yaml:1: environments: procs.build: no Dockerfile in images/procs/');
  });

  it('includes files relative to the deck folder, inside the deck or the repository only', () => {
    const slides = `${SLIDES}\n\`\`\`dockerfile file=images/x/Dockerfile\n\`\`\`\n`;
    const dir = write({ 'slides.md': slides, 'environments.yaml': ENVIRONMENTS, 'images/x/Dockerfile': 'FROM scratch\n' });
    const folder = loadDeckFolder(dir, { repoRoot });
    expect(JSON.stringify(folder.deck)).toContain('scratch');
    expect(folder.files).toContain(join(dir, 'images/x/Dockerfile'));
    const outside = loadError({ 'slides.md': `${SLIDES}\n\`\`\`text file=../../../etc/passwd\n\`\`\`\n` });
    expect(outside.message).toMatch(/^my-lecture\/slides\.md:\d+: slide "demo": cannot read \.\.\/\.\.\/\.\.\/etc\/passwd \(.*outside the deck and the repository\)/);
  });

  it('the containers lecture is a deck folder with its three environments', () => {
    const folder = loadDeckFolder(resolve(repoRoot, DEFAULT_DECK), { repoRoot });
    expect(folder.environments.map((e) => [e.spec.id, e.access, e.spec.lifecycle])).toEqual([
      ['sandbox', 'audience', 'per-session'],
      ['lab', 'presenter', 'shared'],
      ['apptainer', 'presenter', 'per-session'],
    ]);
    const lab = folder.environments.find((e) => e.spec.id === 'lab')?.spec;
    expect(lab?.limits).toEqual({ memoryBytes: 4 * 1024 ** 3, cpus: 1.5, pids: 4096 });
    expect(lab?.capAdd).toEqual(['ALL']);
    expect(lab?.prepare).toEqual([['lab-seed']]);
    expect(lab?.reset).toEqual(['lab-reset']);
    // The audience's sandbox asks for gVisor; the lab (a nested engine) and Apptainer stay on runc.
    expect(folder.environments.map((e) => [e.spec.id, e.spec.runtime ?? 'runc'])).toEqual([
      ['sandbox', 'gvisor'],
      ['lab', 'runc'],
      ['apptainer', 'runc'],
    ]);
  });
});

describe('every loader error names the file and the line', () => {
  it('no folder, no slides.md, no environments.yaml', () => {
    expect(() => loadDeckFolder(join(root, 'nothing'), { repoRoot, cwd: root })).toThrow(/^nothing\/slides\.md:1: no deck here/);
    expect(loadError({ 'slides.md': SLIDES }).message).toBe(
      'my-lecture/environments.yaml:1: the deck has no environments.yaml: declare the environments its terminals open',
    );
  });

  it('a terminal that opens an environment the deck does not declare', () => {
    const slides = SLIDES.replace('env: procs', 'env: shell');
    const error = loadError({ 'slides.md': slides, 'environments.yaml': ENVIRONMENTS });
    expect(error.file).toBe('my-lecture/slides.md');
    expect(error.line).toBe(lineOf(slides, '```terminal'));
    expect(error.reason).toBe('slide "demo": terminal shell opens env "shell", which environments.yaml does not declare (it has: procs)');
  });

  it('a try-it slide without an audience environment', () => {
    const slides = SLIDES.replace('<!-- slide id="demo" -->', '<!-- slide id="demo" try="sandbox" -->');
    const error = loadError({ 'slides.md': slides, 'environments.yaml': ENVIRONMENTS });
    expect(error.line).toBe(lineOf(slides, 'id="demo"'));
    expect(error.reason).toMatch(/try="sandbox" opens the audience environment "sandbox", but environments\.yaml does not declare it/);
    const named = slides.replace('title: Processes', 'title: Processes\nsandbox: procs');
    expect(loadError({ 'slides.md': named }).reason).toMatch(/"procs", but environments\.yaml does not give it access: audience/);
    const fixed = loadDeckFolder(write({ 'environments.yaml': `${ENVIRONMENTS}  access: audience\n` }), { repoRoot });
    expect(fixed.deck.meta.sandbox).toBe('procs');
  });

  it('Markdown: a duplicate slide id', () => {
    const slides = `${SLIDES}\n---\n\n<!-- slide id="intro" -->\n# Again\n`;
    const error = loadError({ 'slides.md': slides, 'environments.yaml': ENVIRONMENTS });
    expect(error.message).toBe(`my-lecture/slides.md:${slides.split('\n').lastIndexOf('<!-- slide id="intro" -->') + 1}: duplicate slide id "intro"`);
  });

  it('front matter: YAML syntax, a misspelt field, a missing title', () => {
    expect(loadError({ 'slides.md': SLIDES.replace('title: Processes', 'title: [Processes'), 'environments.yaml': ENVIRONMENTS }).message).toMatch(
      /^my-lecture\/slides\.md:2: front matter: /,
    );
    const typo = SLIDES.replace('title: Processes', 'title: Processes\nauthr: Me');
    expect(loadError({ 'slides.md': typo }).message).toBe('my-lecture/slides.md:3: front matter: authr: unknown field "authr"');
    expect(loadError({ 'slides.md': SLIDES.replace('title: Processes', 'author: Me') }).message).toBe(
      'my-lecture/slides.md:2: front matter: title: the front matter needs a title',
    );
  });

  it('terminal and poll blocks: fields read as YAML, checked, at their own line', () => {
    const typo = SLIDES.replace('env: procs', 'env: procs\ntitel: Shell');
    const error = loadError({ 'slides.md': typo, 'environments.yaml': ENVIRONMENTS });
    expect(error.message).toBe(`my-lecture/slides.md:${lineOf(typo, 'titel')}: slide "demo": terminal block: titel: unknown field "titel"`);
    const badPane = SLIDES.replace('pane: shell', 'pane: My Shell');
    expect(loadError({ 'slides.md': badPane }).message).toBe(
      `my-lecture/slides.md:${lineOf(badPane, 'pane:')}: slide "demo": terminal block: pane: pane must be a kebab-case name (a-z, 0-9, -)`,
    );
    const poll = `${SLIDES}\n\`\`\`poll\nid: q\nquestion: Which signal cannot be caught?\n- SIGTERM\n- [SIGKILL\n\`\`\`\n`;
    expect(loadError({ 'slides.md': poll }).message).toMatch(new RegExp(`^my-lecture/slides\\.md:${lineOf(poll, '- [SIGKILL')}: slide "demo": poll: `));
    const colon = `${SLIDES}\n\`\`\`poll\nid: q\nquestion: Signals: which one?\n- a\n- b\n\`\`\`\n`;
    expect(loadError({ 'slides.md': colon }).message).toMatch(
      new RegExp(`^my-lecture/slides\\.md:${lineOf(colon, 'question:')}: slide "demo": poll: .*needs quotes`),
    );
  });
});

describe('the environment schema', () => {
  const parse = (text: string) => parseEnvironments(text, { file: 'environments.yaml', deckName: 'd' });
  const error = (text: string): DeckError => {
    try {
      parse(text);
    } catch (e) {
      expect(e).toBeInstanceOf(DeckError);
      return e as DeckError;
    }
    throw new Error('expected a DeckError');
  };
  const base = 'shell:\n  image: lecture/sandbox\n  user: student\n  workdir: /home/student\n';

  it('reads sizes and every field into the backend shape', () => {
    const [env] = parse(
      `${base}  description: A shell\n  shell: [sh]\n  env: { LANG: C.UTF-8, N: 3 }\n  lifecycle: shared\n  command: [sleep, "3600"]\n  runtime: gvisor\n  limits: { memory: 1.5GiB, cpus: 2, pids: 256 }\n  read_only: true\n  tmpfs: { /tmp: size=64m }\n  scratch_volumes: [/var/lib/x]\n  prepare: [[echo, hi]]\n  reset: [true]\n`,
    );
    expect(env?.spec).toMatchObject({
      description: 'A shell',
      shell: ['sh'],
      env: { LANG: 'C.UTF-8', N: '3' },
      lifecycle: 'shared',
      command: ['sleep', '3600'],
      runtime: 'gvisor',
      limits: { memoryBytes: 1.5 * 1024 ** 3, cpus: 2, pids: 256 },
      readOnlyRoot: true,
      tmpfs: { '/tmp': 'size=64m' },
      scratchVolumes: ['/var/lib/x'],
      prepare: [['echo', 'hi']],
      reset: ['true'],
    });
  });

  it.each([
    ['a misspelt field', `${base}  wrokdir: /x\n`, 5, 'shell.wrokdir: unknown field "wrokdir"'],
    ['a missing user', 'shell:\n  image: x\n  workdir: /w\n', 1, 'shell.user: missing (expected string)'],
    ['neither image nor build', 'shell:\n  user: u\n  workdir: /w\n', 1, 'shell: needs an image (a name) or a build (a Dockerfile folder in the deck)'],
    ['a relative workdir', 'shell:\n  image: x\n  user: u\n  workdir: home\n', 4, 'shell.workdir: must be an absolute path (starting with /)'],
    ['a size that is not one', `${base}  limits: { memory: lots }\n`, 5, 'shell.limits.memory: "lots" is not a size of at least 4MiB (write e.g. 256MiB or 4GiB)'],
    ['a bad lifecycle', `${base}  lifecycle: forever\n`, 5, 'shell.lifecycle: Invalid option: expected one of "per-session"|"shared"'],
    ['a runtime that is not one', `${base}  runtime: kata\n`, 5, 'shell.runtime: Invalid option: expected one of "runc"|"gvisor"'],
    ['a build outside the deck', `shell:\n  build: ../elsewhere\n  user: u\n  workdir: /w\n`, 2, 'shell.build: must be a folder inside the deck (a relative path without ..)'],
    ['a reset on a per-session environment', `${base}  reset: [x]\n`, 5, 'shell.reset: only a shared environment has a reset (a per-session one starts fresh every time)'],
    ['an id that is not kebab-case', 'My_Shell:\n  image: x\n  user: u\n  workdir: /w\n', 1, 'My_Shell: an environment id must be a kebab-case name (a-z, 0-9, -)'],
    ['a duplicate id', `${base}${base}`, 5, 'Map keys must be unique'],
    ['an empty file', '# nothing yet\n', 1, 'the file declares no environment'],
  ])('%s', (_what, text, line, reason) => {
    const e = error(text);
    expect(e.line).toBe(line);
    expect(e.file).toBe('environments.yaml');
    expect(e.reason).toBe(`environments: ${reason}`);
  });

  const audience = `${base}  access: audience\n`;
  const ONLY_PRESENTER = 'is allowed only in a presenter-only environment (access: presenter); an audience sandbox runs unprivileged with no network';

  it('an audience environment as safe as the containers lecture’s sandbox is accepted', () => {
    const [env] = parse(`${audience}  read_only: true\n  cap_drop: [ALL]\n  security_opt: [no-new-privileges]\n  tmpfs: { /home/student: size=64m }\n`);
    expect(env?.access).toBe('audience');
  });

  it.each([
    ['extra capabilities', '  cap_add: [SYS_ADMIN]\n', 'cap_add', 'adding capabilities'],
    ['an unconfined profile', '  security_opt: [no-new-privileges, seccomp=unconfined]\n', 'security_opt', 'security_opt seccomp=unconfined'],
    ['no no-new-privileges', '  security_opt: []\n', 'security_opt', 'leaving out no-new-privileges'],
    ['keeping capabilities', '  cap_drop: [NET_RAW]\n', 'cap_drop', 'keeping capabilities (cap_drop without ALL)'],
    ['a host mount', '  binds: [/etc:/host-etc:ro]\n', 'binds', 'a host mount'],
    ['a host device', '  devices: [/dev/fuse]\n', 'devices', 'a host device'],
    ['a named volume', '  volumes: { data: /data }\n', 'volumes', 'a named volume (it outlives the sandbox)'],
    ["the host's cgroup namespace", '  cgroupns: host\n', 'cgroupns', "the host's cgroup namespace"],
    ['a network', '  network: bridge\n', 'network', 'network: bridge'],
    ['a shared container', '  lifecycle: shared\n', 'lifecycle', 'a shared container'],
  ])('an audience environment may not have %s: the loader says so at the line', (_what, extra, field, what) => {
    const e = error(audience + extra);
    expect(e.line).toBe(6);
    expect(e.reason).toBe(`environments: shell.${field}: ${what} ${ONLY_PRESENTER}`);
    // The same knob in a presenter-only environment is the presenter's call.
    expect(() => parse(base + extra)).not.toThrow();
  });

  it('an audience environment may not run as root', () => {
    const e = error(audience.replace('user: student', 'user: root'));
    expect(e.line).toBe(3);
    expect(e.reason).toBe(`environments: shell.user: root ${ONLY_PRESENTER}`);
  });
});
