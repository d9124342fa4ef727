import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { DeckError } from './model.js';

/** Where a piece of YAML text sits in its file, so every error names the file and the line. */
export interface YamlSource {
  /** The file, as shown in errors (relative to where the author works), when known. */
  readonly file?: string;
  /** The file line of the text's first line (1-based). */
  readonly firstLine: number;
  /** What the text is, for messages: "front matter", "terminal block", "environments". */
  readonly what: string;
}

/** Parsed YAML that can say on which file line any path of its value was written. */
export interface YamlValue {
  readonly value: unknown;
  /** The file line of the deepest node of `path` that exists (the key's line for a missing one). */
  lineOf(path: readonly PropertyKey[]): number;
}

/** Parse YAML with the `yaml` library; a syntax error is a DeckError at its line. */
export function parseYaml(text: string, source: YamlSource): YamlValue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    let reason = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    if (/compact mappings|Implicit map keys/.test(reason)) reason += ' (a value with ": " in it needs quotes: title: "Docker: the lab")';
    throw new DeckError(`${source.what}: ${reason}`, source.firstLine + line - 1, source.file);
  }
  const lineAt = (offset: number) => source.firstLine + lineCounter.linePos(offset).line - 1;
  return {
    value: doc.toJS(),
    lineOf(path) {
      // A field's line is its key's line; a list item's, the item's; the root, the first node's.
      let node: unknown = doc.contents;
      let line = node && isNode(node) && node.range ? lineAt(node.range[0]) : source.firstLine;
      for (const key of path) {
        if (!isNode(node) || !('items' in node)) break;
        const items = (node as { items: unknown[] }).items;
        let next: unknown;
        if (isMap(node)) {
          const pair = items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
          if (!pair || !isPair(pair)) break;
          const keyNode = pair.key as Node;
          if (keyNode.range) line = lineAt(keyNode.range[0]);
          next = pair.value;
        } else {
          next = typeof key === 'number' ? items[key] : undefined;
          if (isNode(next) && next.range) line = lineAt(next.range[0]);
        }
        if (!isNode(next)) break;
        node = next;
      }
      return line;
    },
  };
}

/**
 * Validate parsed YAML against a zod schema; the first problem is a DeckError at the line of
 * the field it is about ("environments.yaml:12: lab.limits.memory: …").
 */
export function validate<S extends z.ZodType>(schema: S, parsed: YamlValue, source: YamlSource): z.output<S> {
  const result = schema.safeParse(parsed.value);
  if (result.success) return result.data;
  // A misspelt field explains the rest ("titel:" is why title is missing): report it first.
  const issues = result.error.issues;
  const issue = (issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]) as z.core.$ZodIssue;
  let path: PropertyKey[] = [...issue.path];
  let message = issue.message;
  if (issue.code === 'invalid_key') message = issue.issues[0]?.message ?? message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = `missing (expected ${issue.expected})`;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    path = [...path, key];
    message = `unknown field "${key}"${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(', ')})` : ''}`;
  }
  const where = path.length ? `${path.map(String).join('.')}: ` : '';
  throw new DeckError(`${source.what}: ${where}${message}`, parsed.lineOf(path), source.file);
}
