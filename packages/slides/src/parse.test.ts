import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDeck } from './load.js';
import { type Block, type ConsoleBlock, DeckError, type Slide, type TerminalBlock } from './model.js';
import { highlight, keysToBytes, panesOf, parseDeck, parseStep } from './parse.js';

const FRONT = '---\ntitle: Containers\nsubtitle: Live\nauthor: SSE\n---\n';

/** A deck from slides given as bodies (each gets its own `<!-- slide -->` unless it has one). */
function deck(...slides: string[]) {
  return parseDeck(FRONT + slides.map((s, i) => (s.startsWith('<!--') ? s : `<!-- slide id="s${i}" -->\n${s}`)).join('\n\n---\n\n'));
}

function only(slides: readonly Slide[]): Slide {
  expect(slides).toHaveLength(1);
  return slides[0] as Slide;
}

function blocksOf<K extends Block['kind']>(slide: Slide, kind: K): Extract<Block, { kind: K }>[] {
  return slide.blocks.filter((b): b is Extract<Block, { kind: K }> => b.kind === kind);
}

function html(slide: Slide): string {
  return blocksOf(slide, 'html')
    .map((b) => b.html)
    .join('\n');
}

function deckError(source: string, options = {}): DeckError {
  try {
    parseDeck(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DeckError);
    return error as DeckError;
  }
  throw new Error('expected a DeckError');
}

describe('front matter', () => {
  it('names the deck', () => {
    const d = deck('# Hello');
    expect(d.meta).toEqual({ title: 'Containers', subtitle: 'Live', author: 'SSE' });
  });

  it('leaves out what it does not say', () => {
    const d = parseDeck('---\ntitle: Only a title\n---\n\n<!-- slide id="a" -->\n# A\n');
    expect(d.meta).toEqual({ title: 'Only a title' });
  });

  it('is required, with a title, and the error says where', () => {
    const missing = deckError('<!-- slide id="a" -->\n# A\n');
    expect(missing.line).toBe(1);
    expect(missing.message).toMatch(/^line 1: .*front matter/);
    expect(deckError('---\nauthor: x\n---\n\n<!-- slide id="a" -->\n').message).toMatch(/title/);
  });

  it('accepts Windows line endings', () => {
    const d = parseDeck(FRONT.replace(/\n/g, '\r\n') + '<!-- slide id="a" -->\r\n# A\r\n\r\n---\r\n\r\n<!-- slide id="b" -->\r\n# B\r\n');
    expect(d.slides.map((s) => s.title)).toEqual(['A', 'B']);
  });
});

describe('slides', () => {
  it('splits at lines holding exactly ---, in order, with ids, titles and indexes', () => {
    const d = deck('# One', '## Two\n\ntext', '# Three');
    expect(d.slides.map((s) => [s.index, s.id, s.title])).toEqual([
      [0, 's0', 'One'],
      [1, 's1', 'Two'],
      [2, 's2', 'Three'],
    ]);
  });

  it('does not split at --- inside fenced code', () => {
    const d = deck('# YAML\n\n```yaml\n---\nkey: value\n---\n```\n\nafter', '~~~\n---\n~~~');
    expect(d.slides).toHaveLength(2);
    expect(html(d.slides[0] as Slide)).toContain('key');
    expect(html(d.slides[0] as Slide)).toContain('after');
    expect(html(d.slides[1] as Slide)).toContain('---');
  });

  it('does not split at a longer rule or an indented one', () => {
    const d = deck('# A\n\ntext\n\n----\n\nmore');
    expect(d.slides).toHaveLength(1);
    expect(html(d.slides[0] as Slide)).toContain('more');
  });

  it('requires an id on every slide, with the line of the slide', () => {
    const source = `${FRONT}\n<!-- slide id="ok" -->\n# A\n\n---\n\n<!-- slide class="title" -->\n# B\n`;
    const error = deckError(source);
    expect(error.message).toMatch(/id/);
    const commentLine = source.split('\n').indexOf('<!-- slide class="title" -->') + 1;
    expect(error.line).toBe(commentLine);
    expect(error.message).toMatch(new RegExp(`^line ${commentLine}: `));
  });

  it('requires ids in kebab case', () => {
    expect(deckError(`${FRONT}\n<!-- slide id="Not_Kebab" -->\n# A\n`).message).toMatch(/Not_Kebab/);
  });

  it('refuses a duplicate id, naming it and its line', () => {
    const source = `${FRONT}\n<!-- slide id="same" -->\n# A\n\n---\n\n<!-- slide id="same" -->\n# B\n`;
    const error = deckError(source);
    expect(error.message).toMatch(/duplicate slide id "same"/);
    expect(error.line).toBe(source.split('\n').lastIndexOf('<!-- slide id="same" -->') + 1);
  });

  // BUG (packages/slides/src/parse.ts, splitSlides): a slide after a `---` starts at
  // `firstLine + i + 1`, one line too far (firstLine is already the body's second line). It only
  // looks right when exactly one blank line follows `---`; without it, errors point one line low.
  it('reports the line of the slide even without a blank line after ---', () => {
    const source = `${FRONT}\n<!-- slide id="a" -->\n# A\n\n---\n<!-- slide id="a" -->\n# B\n`;
    const error = deckError(source);
    expect(error.line).toBe(source.split('\n').lastIndexOf('<!-- slide id="a" -->') + 1);
  });

  it('records the line of each slide', () => {
    const source = `${FRONT}\n<!-- slide id="a" -->\n# A\n\n---\n\n<!-- slide id="b" -->\n# B\n`;
    const lines = source.split('\n');
    const d = parseDeck(source);
    expect(d.slides.map((s) => s.line)).toEqual([
      lines.indexOf('<!-- slide id="a" -->') + 1,
      lines.indexOf('<!-- slide id="b" -->') + 1,
    ]);
  });

  it('takes class, layout and try from the attribute comment', () => {
    const s = only(deck('<!-- slide id="t" class="title big" layout="stack" try="sandbox" -->\n# T').slides);
    expect(s.classes).toEqual(['title', 'big']);
    expect(s.layout).toBe('stack');
    expect(s.try).toBe('sandbox');
    expect(deckError(`${FRONT}\n<!-- slide id="t" layout="sideways" -->\n`).message).toMatch(/layout/);
    expect(deckError(`${FRONT}\n<!-- slide id="t" try="root" -->\n`).message).toMatch(/try/);
  });

  it('sections are inherited by the following slides until the next section', () => {
    const d = deck(
      '# Title',
      '<!-- slide id="a" section="Intro" -->\n# A',
      '<!-- slide id="b" -->\n# B',
      '<!-- slide id="c" section="Docker" -->\n# C',
      '<!-- slide id="d" -->\n# D',
    );
    expect(d.slides.map((s) => s.section)).toEqual([undefined, 'Intro', 'Intro', 'Docker', 'Docker']);
  });
});

describe('markdown', () => {
  it('turns + list items into fragments and - items into plain items', () => {
    const s = only(deck('## List\n\n- at once\n+ step one\n+ step two').slides);
    const out = html(s);
    expect(out).toContain('<li>at once</li>');
    expect(out).toContain('<li class="fragment">step one</li>');
    expect(out).toContain('<li class="fragment">step two</li>');
    expect(out.match(/class="fragment"/g)).toHaveLength(2);
  });

  it('puts everything after Note: into the notes, not the slide', () => {
    const s = only(deck('## Slide\n\nvisible text\n\nNote:\nSay **this** out loud.\n\nAnd this.').slides);
    expect(html(s)).toContain('visible text');
    expect(html(s)).not.toContain('out loud');
    expect(s.notesText).toBe('Say **this** out loud.\n\nAnd this.');
    expect(s.notes).toContain('<strong>this</strong>');
    expect(s.notes).toContain('And this.');
  });

  // BUG (packages/slides/src/parse.ts, parseDeck): the notes marker is found with
  // /^Note:/m over the whole slide, fences included, so a code line starting with `Note:` cuts
  // the code block and moves the rest of the slide into the notes (the slide split, by
  // contrast, skips fenced code).
  it('a Note: line inside fenced code is code, not the start of the notes', () => {
    const s = only(deck('```text\nNote: this is output\nmore output\n```').slides);
    expect(html(s)).toContain('Note: this is output');
    expect(html(s)).toContain('more output');
    expect(s.notes).toBeUndefined();
  });

  it('has no notes without Note:', () => {
    const s = only(deck('## Slide\n\nNotes: not a marker mid-sentence').slides);
    expect(s.notes).toBeUndefined();
    expect(s.notesText).toBeUndefined();
  });

  it('highlights fenced code with hljs spans, by language and alias', () => {
    const s = only(deck('```dockerfile\nFROM debian:bookworm\nRUN apt-get update\n```\n\n```bash\necho "$HOME"\n```').slides);
    const out = html(s);
    expect(out).toContain('<code class="hljs language-dockerfile">');
    expect(out).toMatch(/<span class="hljs-keyword">FROM<\/span>/);
    expect(out).toMatch(/<span class="hljs-[a-z]+">/);
    expect(highlight('Bootstrap: docker\n%post\n  echo hi', 'singularity')).toMatch(/hljs-/);
    expect(highlight('ls -l | wc', 'sh')).toMatch(/<span class="hljs-/);
  });

  it('escapes code in an unknown language or none', () => {
    expect(highlight('<script>alert(1)</script>', 'nolang')).toBe('&#60;script&#62;alert(1)&#60;/script&#62;');
    const s = only(deck('```\n<b>not bold</b>\n```').slides);
    expect(html(s)).not.toContain('<b>');
    expect(html(s)).toContain('<code class="hljs">');
  });

  it('opens external links in a new tab, safely', () => {
    const s = only(deck('[Docker Hub](https://hub.docker.com/) and [a slide](#/intro)').slides);
    expect(html(s)).toContain('<a href="https://hub.docker.com/" target="_blank" rel="noopener noreferrer">Docker Hub</a>');
    expect(html(s)).toContain('<a href="#/intro">a slide</a>');
  });
});

describe('includes', () => {
  it('includes only lines=FROM-TO of a file, and refuses a range outside it', () => {
    const file = 'L1\nL2\nL3\nL4\n';
    const d = parseDeck(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`text file=x.txt lines=2-3\n\`\`\`\n`, { readFile: () => file });
    const out = html(only(d.slides));
    expect(out).toContain('L2');
    expect(out).toContain('L3');
    expect(out).not.toContain('L1');
    expect(out).not.toContain('L4');
    for (const bad of ['3-2', '0-2', '2-5', 'x']) {
      const e = deckError(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`text file=x.txt lines=${bad}\n\`\`\`\n`, { readFile: () => file });
      expect(e.message).toMatch(/lines=/);
    }
  });

  it('replaces a file= fence with the file, highlighted in the fence language', () => {
    const read: string[] = [];
    const d = parseDeck(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`dockerfile file=docker/x/Dockerfile\nignored body\n\`\`\`\n`, {
      readFile: (path) => {
        read.push(path);
        return 'FROM debian:bookworm\nCMD ["bash"]\n';
      },
    });
    expect(read).toEqual(['docker/x/Dockerfile']);
    const out = html(only(d.slides));
    expect(out).toContain('<code class="hljs language-dockerfile">');
    expect(out).toContain('FROM');
    expect(out).toContain('bookworm');
    expect(out).not.toContain('ignored body');
  });

  it('is an error without readFile or when the file cannot be read, with the line of the fence', () => {
    const source = `${FRONT}\n<!-- slide id="inc" -->\n\`\`\`dockerfile file=missing/Dockerfile\n\`\`\`\n`;
    const without = deckError(source);
    expect(without.message).toMatch(/missing\/Dockerfile/);
    expect(without.line).toBe(8);
    const unreadable = deckError(source, {
      readFile: () => {
        throw new Error('ENOENT');
      },
    });
    expect(unreadable.message).toMatch(/cannot read missing\/Dockerfile/);
    expect(unreadable.line).toBe(8);
  });
});

describe('terminal, console and poll blocks', () => {
  const demo = [
    '## Demo',
    '',
    '```console',
    '$ docker run --rm -i -t --name tutorial lecture/debian:bookworm /bin/bash',
    '$ <C-p><C-q>',
    '$ docker ps',
    'CONTAINER ID   IMAGE',
    '$ docker pull big/image  # wait: 60',
    '```',
    '',
    '```terminal',
    'pane: tutorial',
    'env: lab',
    'title: Docker lab',
    '```',
  ].join('\n');

  it('a terminal block becomes a terminal with pane, env and title, and a split layout', () => {
    const s = only(deck(demo).slides);
    expect(blocksOf(s, 'terminal')).toEqual([{ kind: 'terminal', pane: 'tutorial', env: 'lab', title: 'Docker lab', line: expect.any(Number) }]);
    expect(s.layout).toBe('split');
    expect(only(deck('# No terminal').slides).layout).toBe('plain');
  });

  it('a console block lists steps (sent with Enter) and expected output, for the slide terminal', () => {
    const s = only(deck(demo).slides);
    const [c] = blocksOf(s, 'console') as [ConsoleBlock];
    expect(c.pane).toBe('tutorial');
    expect(c.lines).toEqual([
      {
        kind: 'step',
        step: {
          display: 'docker run --rm -i -t --name tutorial lecture/debian:bookworm /bin/bash',
          send: 'docker run --rm -i -t --name tutorial lecture/debian:bookworm /bin/bash\r',
          waitSeconds: 15,
        },
      },
      { kind: 'step', step: { display: 'Ctrl-P Ctrl-Q', send: '\x10\x11', waitSeconds: 15 } },
      { kind: 'step', step: { display: 'docker ps', send: 'docker ps\r', waitSeconds: 15 } },
      { kind: 'output', text: 'CONTAINER ID   IMAGE' },
      { kind: 'step', step: { display: 'docker pull big/image', send: 'docker pull big/image\r', waitSeconds: 60 } },
    ]);
  });

  it('keeps blocks in source order', () => {
    const s = only(deck(demo).slides);
    expect(s.blocks.map((b) => b.kind)).toEqual(['html', 'console', 'terminal']);
  });

  it('a console block may name its pane', () => {
    const s = only(
      deck('```terminal\npane: left\nenv: lab\n```\n\n```terminal\npane: right\nenv: sandbox\n```\n\n```console pane=right\n$ id\n```').slides,
    );
    expect((blocksOf(s, 'console')[0] as ConsoleBlock).pane).toBe('right');
    expect(panesOf({ meta: { title: 't' }, slides: [s] })).toEqual(
      new Map([
        ['left', 'lab'],
        ['right', 'sandbox'],
      ]),
    );
  });

  it('a console block without a terminal is an error', () => {
    expect(deckError(`${FRONT}\n<!-- slide id="lonely" -->\n\`\`\`console\n$ ls\n\`\`\`\n`).message).toMatch(
      /lonely.*console block needs a terminal/,
    );
  });

  it('a terminal needs a pane and an env; a pane keeps one env', () => {
    expect(deckError(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`terminal\nenv: lab\n\`\`\`\n`).message).toMatch(/pane/);
    expect(deckError(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`terminal\npane: p\n\`\`\`\n`).message).toMatch(/env/);
    const twoEnvs = `${FRONT}\n<!-- slide id="a" -->\n\`\`\`terminal\npane: p\nenv: lab\n\`\`\`\n\n---\n\n<!-- slide id="b" -->\n\`\`\`terminal\npane: p\nenv: sandbox\n\`\`\`\n`;
    const error = deckError(twoEnvs);
    expect(error.message).toMatch(/pane "p" is used with env lab and sandbox/);
    // The line of the second terminal's fence.
    expect(error.line).toBe(twoEnvs.split('\n').indexOf('<!-- slide id="b" -->') + 2);
  });

  it('a poll block becomes a poll with its question and options', () => {
    const s = only(
      deck('```poll\nid: what-is-docker\nquestion: What is Docker?\n- A containerization framework\n- A company\n```').slides,
    );
    expect(s.blocks).toEqual([
      { kind: 'poll', id: 'what-is-docker', question: 'What is Docker?', options: ['A containerization framework', 'A company'] },
    ]);
  });

  it('a poll needs a unique id, a question and two options', () => {
    expect(deckError(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`poll\nquestion: Q?\n- a\n- b\n\`\`\`\n`).message).toMatch(/poll/);
    expect(deckError(`${FRONT}\n<!-- slide id="a" -->\n\`\`\`poll\nid: p\nquestion: Q?\n- a\n\`\`\`\n`).message).toMatch(/two/);
    const twice = '```poll\nid: p\nquestion: Q?\n- a\n- b\n```';
    expect(() => deck(twice, twice)).toThrow(/unique/);
  });
});

describe('key tokens', () => {
  it('<C-p><C-q> is Ctrl-P Ctrl-Q, sent without Enter', () => {
    expect(parseStep('<C-p><C-q>', 1)).toEqual({ display: 'Ctrl-P Ctrl-Q', send: '\x10\x11', waitSeconds: 15 });
  });

  it('a normal step is typed with Enter', () => {
    expect(parseStep('docker ps -a', 1).send).toBe('docker ps -a\r');
  });

  it('# wait: N sets the wait and is not typed', () => {
    expect(parseStep('docker build -t testimage .  # wait: 60', 1)).toEqual({
      display: 'docker build -t testimage .',
      send: 'docker build -t testimage .\r',
      waitSeconds: 60,
    });
  });

  it('a # comment that is not a wait is typed as is', () => {
    expect(parseStep('echo hi # a comment', 1).send).toBe('echo hi # a comment\r');
  });

  it('knows the named keys', () => {
    expect(keysToBytes('<Enter><Esc><Tab><Up><Down><Right><Left><Space><C-d><C-c>', 1)).toBe(
      '\r\x1b\t\x1b[A\x1b[B\x1b[C\x1b[D \x04\x03',
    );
    expect(parseStep('<C-d>', 1).send).toBe('\x04');
    expect(parseStep('<Up><Enter>', 1).send).toBe('\x1b[A\r');
  });

  it('keeps literal angle-bracket text such as <none> and <image>', () => {
    expect(parseStep('docker images | grep <none>', 1).send).toBe('docker images | grep <none>\r');
    expect(parseStep('docker run <image>', 1).display).toBe('docker run <image>');
  });

  it('an unknown key token is an error with the line', () => {
    expect(() => parseStep('<Foo>', 12)).toThrow(DeckError);
    expect(() => parseStep('<Foo>', 12)).toThrow(/line 12: unknown key <Foo>/);
  });

  it('inside a deck, a bad key points at its own line', () => {
    const source = `${FRONT}\n<!-- slide id="keys" -->\n\`\`\`terminal\npane: p\nenv: lab\n\`\`\`\n\n\`\`\`console\n$ ls\n$ <Bogus>\n\`\`\`\n`;
    const error = deckError(source);
    expect(error.message).toMatch(/unknown key <Bogus>/);
    expect(error.line).toBe(source.split('\n').indexOf('$ <Bogus>') + 1);
  });
});

describe('the lecture deck (slides/containers-demo)', () => {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const lecture = loadDeck(resolve(repoRoot, 'slides/containers-demo'), { repoRoot });

  it('parses, with unique ids', () => {
    expect(lecture.meta.title).toBeTruthy();
    expect(lecture.slides.length).toBeGreaterThan(20);
    const ids = lecture.slides.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every console block targets a pane that exists, with a terminal on the same slide', () => {
    const panes = panesOf(lecture);
    let consoles = 0;
    for (const slide of lecture.slides) {
      const onSlide = blocksOf(slide, 'terminal').map((t) => t.pane);
      for (const c of blocksOf(slide, 'console')) {
        consoles++;
        expect(panes.has(c.pane), `slide ${slide.id}: console for unknown pane ${c.pane}`).toBe(true);
        expect(onSlide, `slide ${slide.id}: console for a pane not on the slide`).toContain(c.pane);
      }
    }
    expect(consoles).toBeGreaterThan(5);
  });

  it('every terminal uses one of its environments (sandbox, lab, apptainer)', () => {
    const terminals = lecture.slides.flatMap((s) => blocksOf(s, 'terminal') as TerminalBlock[]);
    expect(terminals.length).toBeGreaterThan(5);
    for (const t of terminals) expect(['sandbox', 'lab', 'apptainer']).toContain(t.env);
    expect(new Set(terminals.map((t) => t.env))).toEqual(new Set(['sandbox', 'lab', 'apptainer']));
  });

  it('has its sections in the order of the lecture, each in one run', () => {
    const runs: string[] = [];
    for (const s of lecture.slides) if (s.section && runs.at(-1) !== s.section) runs.push(s.section);
    expect(runs).toEqual([
      'Introduction to containers',
      'Docker quiz',
      'Introduction to Docker',
      'Docker demos',
      'Singularity',
      'Concluding remarks',
      'Further reading',
    ]);
  });

  it('resolves its file= includes into code', () => {
    const withIncludes = lecture.slides.filter((s) => html(s).includes('language-dockerfile'));
    expect(withIncludes.length).toBeGreaterThan(0);
    expect(withIncludes.some((s) => /<span class="hljs-keyword">FROM<\/span>/.test(html(s)))).toBe(true);
  });
});
