import { ConfigError } from '../../core/errors.ts';
import { type EntityEnvelope, entityEnvelopeSchema, specSchemas } from './catalog-schema.ts';
import type { Catalog } from './catalog-types.ts';
import { describeIssues, Problems } from './problems.ts';
import { resolveCatalog } from './resolve-catalog.ts';
import { listYamlFiles, readYamlDocs, type YamlDoc } from './yaml-files.ts';

/** An entity that passed its own schema, with where it came from; cross-references still unchecked. */
export interface ParsedEntity {
  envelope: EntityEnvelope;
  /** The spec as its kind's schema output it (defaults filled). */
  spec: Record<string, unknown>;
  /** `component:default/payments-api`. */
  ref: string;
  doc: YamlDoc;
}

/**
 * Loads a Backstage catalog from every `*.yaml`/`*.yml` under `dir` (recursively, multi-document
 * files allowed), validates each entity, checks the references between them, and resolves the
 * result into plain data. Every problem is collected and thrown as one `ConfigError` whose lines
 * read `file:line:col: kind:namespace/name: field: what is wrong`.
 * @example
 * const catalog = loadCatalog('catalog');
 * catalog.teamOf('payments-api')?.name; // 'payments'
 */
export function loadCatalog(dir: string): Catalog {
  const files = listYamlFiles(dir);
  if (files.length === 0) throw new ConfigError(`catalog directory ${dir} holds no *.yaml or *.yml files`);
  const problems = new Problems();
  const entities: ParsedEntity[] = [];
  // Refs of entities already reported as invalid: references to them are not reported again.
  const invalid = new Set<string>();
  for (const doc of readYamlDocs(files, problems, provisionalRef)) {
    const entity = parseEntity(doc, problems);
    if (entity) entities.push(entity);
    else invalid.add(provisionalRef(doc.value, doc.index).toLowerCase());
  }
  const catalog = resolveCatalog(entities, problems, invalid);
  problems.throwIfAny(`catalog in ${dir}`);
  return catalog;
}

/** Validates one document as an entity; adds problems and returns undefined when it is not one. */
function parseEntity(doc: YamlDoc, problems: Problems): ParsedEntity | undefined {
  const label = provisionalRef(doc.value, doc.index);
  const report = (path: PropertyKey[], message: string) =>
    problems.add({ where: doc.locate(path), entity: label, field: path.join('.'), message });
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
    report([], 'must be a mapping with apiVersion, kind, metadata and spec');
    return undefined;
  }
  const envelope = entityEnvelopeSchema.safeParse(doc.value, { reportInput: true });
  if (!envelope.success) {
    for (const { path, message } of describeIssues(envelope.error)) report(path, message);
    return undefined;
  }
  const { kind } = envelope.data;
  const spec = specSchemas[kind].safeParse(envelope.data.spec ?? {}, { reportInput: true });
  if (!spec.success) {
    for (const { path, message } of describeIssues(spec.error)) report(['spec', ...path], message);
    return undefined;
  }
  const { namespace, name } = envelope.data.metadata;
  return { envelope: envelope.data, spec: spec.data, ref: `${kind.toLowerCase()}:${namespace}/${name}`, doc };
}

/** The entity's ref as far as the raw document tells, so even a broken entity is named in messages. */
function provisionalRef(raw: unknown, index: number): string {
  const value = raw as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null | undefined;
  const kind = typeof value?.kind === 'string' ? value.kind.toLowerCase() : 'entity';
  const name = value?.metadata?.name;
  if (typeof name !== 'string' && typeof name !== 'number') return `${kind} (document ${index})`;
  const namespace = typeof value?.metadata?.namespace === 'string' ? value.metadata.namespace : 'default';
  return `${kind}:${namespace}/${name}`;
}
