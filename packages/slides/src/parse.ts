import hljs from 'highlight.js';
import { Marked, type Token, type Tokens } from 'marked';
import { z } from 'zod';
import {
  type Block,
  type ConsoleLine,
  type Deck,
  DeckError,
  type DeckMeta,
  type Slide,
  type SlideLayout,
  type Step,
} from './model.js';
import { parseYaml, validate, type YamlSource } from './yaml.js';

export interface ParseOptions {
  /**
   * Reads a file for ```lang file=path fences (optionally `lines=FROM-TO`, 1-based and inclusive,
   * to show a long file across slides); without it such fences are errors.
   */
  readonly readFile?: (path: string) => string;
  /** The source's file name, as errors show it (`slides/x/slides.md:12: …`). */
  readonly file?: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LAYOUTS: readonly SlideLayout[] = ['plain', 'split', 'stack', 'full'];
/** Languages the notes use that highlight.js knows by another name. */
const LANGUAGE_ALIASES: Readonly<Record<string, string>> = {
  singularity: 'bash',
  apptainer: 'bash',
  basg: 'bash',
  sh: 'bash',
  shell: 'bash',
  docker: 'dockerfile',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function highlight(code: string, language: string | undefined): string {
  const lang = language ? (LANGUAGE_ALIASES[language.toLowerCase()] ?? language.toLowerCase()) : undefined;
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang }).value;
  return escapeHtml(code);
}

function createMarked(): Marked {
  return new Marked({
    gfm: true,
    renderer: {
      // A list item written with `+` is a fragment: revealed step by step.
      listitem(item: Tokens.ListItem): string {
        const fragment = /^\s*\+\s/.test(item.raw);
        const body = this.parser.parse(item.tokens);
        return fragment ? `<li class="fragment">${body}</li>\n` : `<li>${body}</li>\n`;
      },
      code({ text, lang }: Tokens.Code): string {
        const language = (lang ?? '').split(/\s+/)[0] || undefined;
        const cls = language ? ` class="hljs language-${escapeHtml(language)}"` : ' class="hljs"';
        return `<pre class="code"><code${cls}>${highlight(text, language)}</code></pre>\n`;
      },
      link({ href, title, tokens }: Tokens.Link): string {
        const text = this.parser.parseInline(tokens);
        const external = /^https?:/.test(href);
        const attrs = external ? ' target="_blank" rel="noopener noreferrer"' : '';
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        return `<a href="${escapeHtml(href)}"${t}${attrs}>${text}</a>`;
      },
    },
  });
}

/** `key="value"` pairs of a `<!-- slide ... -->` comment. */
function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const m of text.matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) attributes.set(m[1] as string, m[2] as string);
  return attributes;
}

const id = (what: string) =>
  z.string({ error: `${what} must be a kebab-case name` }).regex(ID, `${what} must be a kebab-case name (a-z, 0-9, -)`);
/** Text fields: YAML may read `42` or `yes` as a number or a boolean; they are text here. */
const text = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The deck's front matter: what names the deck. Unknown fields are errors (a typo is caught). */
const FrontMatterSchema = z.strictObject({
  title: z.union([z.string(), z.number()], { error: 'the front matter needs a title' }).transform(String).pipe(z.string().min(1, 'the title must not be empty')),
  subtitle: text.optional(),
  author: text.optional(),
  /** The audience environment that "try it" slides (try="sandbox") open. */
  sandbox: id('sandbox').optional(),
});

const TerminalSchema = z.strictObject({
  pane: id('pane'),
  env: id('env'),
  title: text.optional(),
});

const PollSchema = z.strictObject({
  id: id('the poll id'),
  question: text.pipe(z.string().min(1)),
  options: z.array(text).min(2, 'a poll needs at least two options'),
});

/**
 * A poll block: `id:` and `question:` fields, then its options as `- option` lines (or an
 * `options:` list). Both parts are read by the yaml library; lines stay those of the file.
 */
function parsePoll(code: string, source: YamlSource): z.output<typeof PollSchema> {
  const lines = code.split('\n');
  const first = lines.findIndex((l) => /^-\s/.test(l));
  if (first < 0) return validate(PollSchema, parseYaml(code, source), source);
  const fields = parseYaml(lines.slice(0, first).join('\n'), source);
  const items = parseYaml(lines.slice(first).join('\n'), { ...source, firstLine: source.firstLine + first });
  const value = fields.value && typeof fields.value === 'object' ? fields.value : {};
  if ('options' in value) throw new DeckError(`${source.what}: options both as an options: list and as - lines`, source.firstLine + first, source.file);
  return validate(PollSchema, { value: { ...value, options: items.value }, lineOf: (path) => (path[0] === 'options' ? items.lineOf(path.slice(1)) : fields.lineOf(path)) }, source);
}

const KEYS: Readonly<Record<string, string>> = {
  Enter: '\r',
  Esc: '\x1b',
  Tab: '\t',
  Up: '\x1b[A',
  Down: '\x1b[B',
  Right: '\x1b[C',
  Left: '\x1b[D',
  Space: ' ',
};

/** Turn `<C-p>`, `<Enter>`… into the bytes a terminal sends for them. */
export function keysToBytes(text: string, line: number, file?: string): string {
  return text.replace(/<([^<>\s]+)>/g, (token, name: string) => {
    const ctrl = /^C-([a-zA-Z@[\]\\^_])$/.exec(name);
    if (ctrl) return String.fromCharCode((ctrl[1] as string).toUpperCase().charCodeAt(0) & 0x1f);
    const key = KEYS[name];
    if (key === undefined) {
      // Not a key token: literal text such as `<none>` stays as typed.
      if (/^[A-Z]/.test(name) && name.length < 8) throw new DeckError(`unknown key ${token}`, line, file);
      return token;
    }
    return key;
  });
}

/** How a key-only step reads on the slide: `<C-p><C-q>` → `Ctrl-P Ctrl-Q`, `<Enter>` → `Enter ⏎`. */
function keysToDisplay(text: string): string {
  return text
    .replace(/<C-([a-zA-Z])>/g, (_t, k: string) => `Ctrl-${k.toUpperCase()} `)
    .replace(/<Enter>/g, 'Enter ⏎ ')
    .replace(/<([A-Z][a-z]+)>/g, '$1 ')
    .replace(/\s+$/, '');
}

export function parseStep(raw: string, line: number, file?: string): Step {
  let command = raw;
  let waitSeconds = 15;
  const wait = /\s+#\s*wait:\s*(\d+)\s*$/.exec(command);
  if (wait) {
    waitSeconds = Number(wait[1]);
    command = command.slice(0, wait.index);
  }
  const onlyKeys = /^(\s*<[^<>\s]+>)+\s*$/.test(command);
  const bytes = keysToBytes(command, line, file);
  return {
    display: onlyKeys ? keysToDisplay(command) : command,
    send: onlyKeys ? bytes : `${bytes}\r`,
    waitSeconds,
  };
}

function splitFrontMatter(source: string, file: string | undefined): { meta: DeckMeta; body: string; bodyLine: number } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (!m) throw new DeckError('the deck must start with front matter (--- title: … ---)', 1, file);
  const where: YamlSource = { what: 'front matter', firstLine: 2, ...(file ? { file } : {}) };
  const parsed = parseYaml(m[1] as string, where);
  if (parsed.value === null || typeof parsed.value !== 'object') throw new DeckError('the front matter needs a title', 1, file);
  const fields = validate(FrontMatterSchema, parsed, where);
  const meta: DeckMeta = {
    title: fields.title,
    ...(fields.subtitle ? { subtitle: fields.subtitle } : {}),
    ...(fields.author ? { author: fields.author } : {}),
    ...(fields.sandbox ? { sandbox: fields.sandbox } : {}),
  };
  return { meta, body: source.slice(m[0].length), bodyLine: m[0].split('\n').length };
}

/** Calls `visit` for each line with whether it is inside fenced code (fence lines count as inside); `true` stops. */
function forEachLine(text: string, visit: (line: string, index: number, offset: number, fenced: boolean) => boolean | undefined): void {
  let fence: string | undefined;
  let offset = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const f = /^(```+|~~~+)/.exec(line);
    const wasFenced = fence !== undefined;
    if (f) {
      if (!fence) fence = f[1];
      else if (line.startsWith(fence) && line.trim() === line.trim().replace(/[^`~]/g, '')) fence = undefined;
    }
    if (visit(line, i, offset, wasFenced || fence !== undefined) === true) return;
    offset += line.length + 1;
  }
}

/** Where the speaker notes start: a line `Note:` outside fenced code. */
function findNotes(text: string): { index: number; start: number } | undefined {
  let found: { index: number; start: number } | undefined;
  forEachLine(text, (line, _i, offset, fenced) => {
    const m = !fenced && /^Note:[ \t]*/.exec(line);
    if (!m) return false;
    found = { index: offset, start: offset + m[0].length };
    return true;
  });
  return found;
}

/** Split the body at lines holding exactly `---`, outside fenced code. */
function splitSlides(body: string, firstLine: number): { text: string; line: number }[] {
  const slides: { text: string; line: number }[] = [];
  let current: string[] = [];
  let start = firstLine;
  forEachLine(body, (line, i, _offset, fenced) => {
    if (!fenced && line.trim() === '---') {
      slides.push({ text: current.join('\n'), line: start });
      current = [];
      start = firstLine + i + 1;
    } else current.push(line);
    return false;
  });
  slides.push({ text: current.join('\n'), line: start });
  return slides.filter((s) => s.text.trim().length > 0);
}

function headingText(tokens: readonly Token[]): string | undefined {
  const heading = tokens.find((t): t is Tokens.Heading => t.type === 'heading');
  return heading?.text.replace(/[`*_]/g, '');
}

export function parseDeck(source: string, options: ParseOptions = {}): Deck {
  const marked = createMarked();
  const file = options.file;
  const { meta, body, bodyLine } = splitFrontMatter(source.replace(/\r\n/g, '\n'), file);
  const slides: Slide[] = [];
  const ids = new Set<string>();
  const panes = new Map<string, string>();
  const polls = new Set<string>();
  let section: string | undefined;

  for (const raw of splitSlides(body, bodyLine)) {
    // The slide's line is that of its first non-blank line (its attribute comment).
    const leading = /^(\s*\n)*/.exec(raw.text)?.[0] ?? '';
    let text = raw.text.slice(leading.length);
    const attrMatch = /^\s*<!--\s*slide\b([\s\S]*?)-->/.exec(text);
    const attributes = attrMatch ? parseAttributes(attrMatch[1] as string) : new Map<string, string>();
    const line = raw.line + (leading.match(/\n/g)?.length ?? 0);
    // The file line where `text` starts (after the attribute comment), to place block errors.
    const textLine = line + (attrMatch ? (attrMatch[0].match(/\n/g)?.length ?? 0) : 0);
    if (attrMatch) text = text.slice(attrMatch[0].length);
    const id = attributes.get('id');
    if (!id || !ID.test(id)) throw new DeckError(`every slide needs an id="kebab-case-name" (got ${id ?? 'none'})`, line, file);
    if (ids.has(id)) throw new DeckError(`duplicate slide id "${id}"`, line, file);
    ids.add(id);
    section = attributes.get('section') ?? section;

    const noteAt = findNotes(text);
    const notesText = noteAt ? text.slice(noteAt.start).trim() : undefined;
    if (noteAt) text = text.slice(0, noteAt.index);

    const tokens = marked.lexer(text);
    const blocks: Block[] = [];
    let pending: Token[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const links = (tokens as unknown as { links: Record<string, unknown> }).links;
      const html = marked.parser(Object.assign(pending, { links }) as never).trim();
      if (html) blocks.push({ kind: 'html', html });
      pending = [];
    };
    let terminalPane: string | undefined;
    const consoles: { pane?: string; lines: ConsoleLine[] }[] = [];
    const consoleBlocks: number[] = [];

    let cursor = 0;
    for (const token of tokens) {
      if (token.type !== 'code') {
        pending.push(token);
        continue;
      }
      // The fence's file line: find the token's source text after the previous block's.
      const at = text.indexOf(token.raw, cursor);
      if (at >= 0) cursor = at + token.raw.length;
      const fenceLine = textLine + (at >= 0 ? (text.slice(0, at).match(/\n/g)?.length ?? 0) : 0);
      const blockSource = (what: string): YamlSource => ({ what, firstLine: fenceLine + 1, ...(file ? { file } : {}) });
      const info = ((token as Tokens.Code).lang ?? '').trim();
      const [kind = '', ...rest] = info.split(/\s+/);
      const params = new Map(rest.map((p) => p.split('=') as [string, string]));
      const code = (token as Tokens.Code).text;
      if (kind === 'terminal') {
        flush();
        const where = blockSource(`slide "${id}": terminal block`);
        const fields = validate(TerminalSchema, parseYaml(code, where), where);
        const { pane, env } = fields;
        const known = panes.get(pane);
        if (known && known !== env) throw new DeckError(`pane "${pane}" is used with env ${known} and ${env}`, fenceLine, file);
        panes.set(pane, env);
        terminalPane ??= pane;
        blocks.push({ kind: 'terminal', pane, env, ...(fields.title ? { title: fields.title } : {}), line: fenceLine });
      } else if (kind === 'console') {
        flush();
        const lines: ConsoleLine[] = code.split('\n').map((l, i) =>
          l.startsWith('$ ') ? { kind: 'step', step: parseStep(l.slice(2), fenceLine + 1 + i, file) } : { kind: 'output', text: l },
        );
        consoleBlocks.push(blocks.length);
        consoles.push({ ...(params.get('pane') ? { pane: params.get('pane') as string } : {}), lines });
        blocks.push({ kind: 'console', pane: '', lines });
      } else if (kind === 'poll') {
        flush();
        const poll = parsePoll(code, blockSource(`slide "${id}": poll`));
        if (polls.has(poll.id)) throw new DeckError(`slide "${id}": a poll needs a unique id ("${poll.id}" is used twice)`, fenceLine, file);
        polls.add(poll.id);
        blocks.push({ kind: 'poll', id: poll.id, question: poll.question, options: poll.options });
      } else {
        const include = params.get('file');
        if (include) {
          if (!options.readFile) throw new DeckError(`slide "${id}": cannot include ${include} here`, fenceLine, file);
          let content: string;
          try {
            content = options.readFile(include);
          } catch (error) {
            const why = error instanceof Error && /outside/.test(error.message) ? ` (${error.message})` : '';
            throw new DeckError(`slide "${id}": cannot read ${include}${why}`, fenceLine, file);
          }
          content = content.replace(/\n$/, '');
          // `lines=FROM-TO`: one part of a long file, so that a file can be shown whole across slides.
          const range = params.get('lines');
          if (range) {
            const all = content.split('\n');
            const [from, to] = (/^(\d+)-(\d+)$/.exec(range) ?? []).slice(1).map(Number) as [number?, number?];
            if (!from || !to || to < from || to > all.length) {
              throw new DeckError(`slide "${id}": lines=${range} must be FROM-TO within the ${all.length} lines of ${include}`, fenceLine, file);
            }
            content = all.slice(from - 1, to).join('\n');
          }
          (token as Tokens.Code).text = content;
          (token as Tokens.Code).lang = kind;
        }
        pending.push(token);
      }
    }
    flush();

    // Console blocks send to the pane they name, else to the slide's terminal.
    consoleBlocks.forEach((blockIndex, i) => {
      const c = consoles[i] as { pane?: string; lines: ConsoleLine[] };
      const pane = c.pane ?? terminalPane;
      if (!pane) throw new DeckError(`slide "${id}": a console block needs a terminal on the slide (or pane=…)`, line, file);
      blocks[blockIndex] = { kind: 'console', pane, lines: c.lines };
    });

    const layoutAttr = attributes.get('layout');
    if (layoutAttr && !LAYOUTS.includes(layoutAttr as SlideLayout)) {
      throw new DeckError(`slide "${id}": layout must be one of ${LAYOUTS.join(', ')}`, line, file);
    }
    const layout = (layoutAttr as SlideLayout | undefined) ?? (terminalPane ? 'split' : 'plain');
    const tryAttr = attributes.get('try');
    if (tryAttr && tryAttr !== 'sandbox') throw new DeckError(`slide "${id}": try must be "sandbox"`, line, file);
    const title = headingText(tokens);

    slides.push({
      id,
      index: slides.length,
      ...(section ? { section } : {}),
      ...(title ? { title } : {}),
      classes: (attributes.get('class') ?? '').split(/\s+/).filter(Boolean),
      layout,
      ...(tryAttr ? { try: 'sandbox' as const } : {}),
      blocks,
      ...(notesText ? { notes: marked.parse(notesText, { async: false }), notesText } : {}),
      line,
    });
  }
  return { meta, slides };
}

/** pane id → environment id: what the server allows a browser to open. */
export function panesOf(deck: Deck): Map<string, string> {
  const panes = new Map<string, string>();
  for (const slide of deck.slides) {
    for (const block of slide.blocks) if (block.kind === 'terminal') panes.set(block.pane, block.env);
  }
  return panes;
}

/** poll id → number of options: the only votes the server accepts. */
export function pollsOf(deck: Deck): Map<string, number> {
  const polls = new Map<string, number>();
  for (const slide of deck.slides) {
    for (const block of slide.blocks) if (block.kind === 'poll') polls.set(block.id, block.options.length);
  }
  return polls;
}
