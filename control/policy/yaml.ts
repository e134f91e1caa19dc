import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, Scalar } from 'yaml';
import { ConfigError } from '../../core/errors.ts';
import { offsetOf } from '../../core/yaml-path.ts';

/** Every `*.yaml`/`*.yml` under `dir`, recursively, as paths relative to `dir` in byte-wise order
 *  (not locale order: the same tree loads, and hashes, the same on every machine). */
export function listYamlFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`policy directory ${dir} does not exist`);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((rel) => rel.split('\\').join('/'))
    .filter((rel) => /\.ya?ml$/.test(rel) && statSync(join(dir, rel)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The scalar node at `path`, if there is one. */
export function scalarAt(root: Node, path: readonly PropertyKey[]): Scalar | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (isMap(node)) node = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key)?.value;
    else if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else return undefined;
  }
  return isScalar(node) ? node : undefined;
}

/** Source offset of character `index` of a string scalar's value, or undefined when the source
 *  cannot be lined up with the value (escape sequences). Works for plain, quoted and block
 *  scalars, single- or multi-line: runs of whitespace in the value (folded newlines, block
 *  indentation) are matched to runs of whitespace in the source, everything else char by char. */
export function sourceOffsetIn(text: string, scalar: Scalar, index: number): number | undefined {
  const value = scalar.value;
  if (typeof value !== 'string' || !scalar.range) return undefined;
  let src = scalar.range[0];
  if (scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE) src += 1;
  if (scalar.type === Scalar.BLOCK_LITERAL || scalar.type === Scalar.BLOCK_FOLDED) {
    src = text.indexOf('\n', src) + 1;
    if (src === 0) return undefined;
  }
  const ws = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  let v = 0;
  // Leading indentation of a block scalar is not part of its value.
  while (ws(text[src]) && !ws(value[0])) src++;
  while (v < index) {
    if (ws(value[v])) {
      if (!ws(text[src])) return undefined;
      while (v < index && ws(value[v])) v++;
      if (v === index && ws(value[v])) break;
      while (ws(text[src])) src++;
    } else {
      if (text[src] !== value[v]) return undefined;
      v++;
      src++;
    }
  }
  return src < scalar.range[1] || index === value.length ? src : undefined;
}

/** `file:line:col` of a source offset. */
export function at(file: string, lineCounter: LineCounter, offset: number): string {
  const { line, col } = lineCounter.linePos(offset);
  return `${file}:${line}:${col}`;
}

/** The documents of a YAML text (a file may hold several, separated by `---`). */
function parseDocs(text: string, lineCounter: LineCounter): Document.Parsed[] {
  const docs = parseAllDocuments(text, { lineCounter });
  return Array.isArray(docs) ? docs : [];
}

/** A non-empty document of a file: its tree, its plain value and `file:line:col` of a key path. */
export interface YamlDocument {
  root: Node;
  value: unknown;
  where(path: readonly PropertyKey[]): string;
  /** `file:line:col` of a source offset. */
  atOffset(offset: number): string;
}

/** The non-empty documents of a file's text. A document with a syntax error adds one problem line
 *  (its first error: the parser's later ones are mostly echoes) and is skipped. */
export function* yamlDocuments(file: string, text: string, problems: string[]): Generator<YamlDocument> {
  const lineCounter = new LineCounter();
  for (const doc of parseDocs(text, lineCounter)) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      problems.push(`${at(file, lineCounter, err.pos[0])}: YAML syntax error: ${yamlErrorText(err.message)}`);
      continue;
    }
    const root = doc.contents as Node | null;
    if (root === null) continue;
    const atOffset = (offset: number) => at(file, lineCounter, offset);
    yield { root, value: doc.toJS(), where: (path) => atOffset(offsetOf(root, path)), atOffset };
  }
}

/** The first line of a YAML parser error, without the position the caller reports itself. */
export function yamlErrorText(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}
