import { isMap, isScalar, isSeq, type Node } from 'yaml';

/** Source offset of the key (mapping entries) or item at `path` in a parsed YAML tree, or of its
 *  deepest existing ancestor: where a message about that field should point. */
export function offsetOf(root: Node, path: readonly PropertyKey[]): number {
  let node: unknown = root;
  let offset = root.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}
