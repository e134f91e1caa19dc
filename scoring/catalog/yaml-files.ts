import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { ConfigError } from '../../core/errors.ts';
import { offsetOf } from '../../core/yaml-path.ts';
import type { Problems } from './problems.ts';

/** One YAML document of a file: its plain value and a way to point at any key path in it. */
export interface YamlDoc {
  file: string;
  /** 1-based position of the document in its file (multi-document files). */
  index: number;
  value: unknown;
  /** `file:line:col` of the node at `path`, or of its deepest existing ancestor. */
  locate(path: readonly PropertyKey[]): string;
}

/** Every `*.yaml`/`*.yml` under `dir`, recursively, in a stable (byte-wise) order. */
export function listYamlFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`directory ${dir} does not exist`);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => /\.ya?ml$/.test(rel))
    .map((rel) => rel.split('\\').join('/'))
    // Byte-wise, not locale order: the same tree loads in the same order on every machine.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return files.map((rel) => join(dir, rel)).filter((file) => statSync(file).isFile());
}

/** Parses every document of every file, adding a problem per YAML syntax error. Documents with
 *  syntax errors are skipped, the rest still load so one run reports as much as it can.
 *  `nameOf` names the entity of a (possibly partial) document for those messages. */
export function readYamlDocs(
  files: readonly string[],
  problems: Problems,
  nameOf: (value: unknown, index: number) => string,
): YamlDoc[] {
  const docs: YamlDoc[] = [];
  for (const file of files) {
    const lineCounter = new LineCounter();
    const parsed = parseAllDocuments(readFileSync(file, 'utf8'), { lineCounter });
    const list = Array.isArray(parsed) ? parsed : [];
    list.forEach((doc, i) => {
      const where = (offset: number) => {
        const { line, col } = lineCounter.linePos(offset);
        return `${file}:${line}:${col}`;
      };
      if (doc.errors.length > 0) {
        // What parsed before the error usually still names the entity and the key it broke in.
        let partial: unknown;
        try {
          partial = doc.toJS();
        } catch {
          partial = undefined;
        }
        // Only the first error: the parser's later ones are mostly echoes of it.
        const err = doc.errors[0]!;
        const root = doc.contents as Node | null;
        const at = root ? pathAt(root, err.pos[0]) : { path: [], offset: err.pos[0] };
        problems.add({
          // An error at the very end (an unclosed quote or bracket) is reported where the parser
          // gave up; the key it broke in is where a reader has to look.
          where: where(root?.range && err.pos[0] >= root.range[2] ? at.offset : err.pos[0]),
          entity: nameOf(partial, i + 1),
          field: at.path.join('.'),
          message: `YAML syntax error: ${err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
        });
        return;
      }
      // A bare `---` at the end of a file makes an empty document; Backstage skips those too.
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
      docs.push({
        file,
        index: i + 1,
        value: doc.toJS(),
        locate: (path) => where(offsetOf(doc.contents as Node, path)),
      });
    });
  }
  return docs;
}

/** Key path of the deepest mapping entry or list item whose text spans `offset`, and where that
 *  entry's key (or item) starts. */
function pathAt(root: Node, offset: number): { path: PropertyKey[]; offset: number } {
  const path: PropertyKey[] = [];
  let start = root.range?.[0] ?? 0;
  let node: unknown = root;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const from = (p.key as Node | null)?.range?.[0];
        const to = (p.value as Node | null)?.range?.[2] ?? (p.key as Node | null)?.range?.[2];
        return from !== undefined && to !== undefined && from <= offset && offset <= to;
      });
      if (!pair) break;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      start = (pair.key as Node).range?.[0] ?? start;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = (item as Node | null)?.range;
        return range != null && range[0] <= offset && offset <= range[2];
      });
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
      start = (node as Node).range?.[0] ?? start;
    } else break;
  }
  return { path, offset: start };
}
