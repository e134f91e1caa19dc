import { z } from 'zod';

/** Backstage entity envelope and the specs of the kinds AEGIS reads, as zod schemas.
 *  `metadata` and `spec` are loose on purpose: Backstage lets plugins add fields, and the same
 *  files feed a real Backstage, so unknown fields are kept rather than rejected. */

/** The Backstage API versions of the built-in kinds. */
export const BACKSTAGE_API_VERSIONS = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'] as const;
/** Kinds AEGIS resolves (Component, System, Group, Resource) or accepts and keeps minimal
 *  (Domain, API, User, and Location, which only tells Backstage where more files are). */
export const ENTITY_KINDS = ['Component', 'System', 'Group', 'Resource', 'Domain', 'API', 'User', 'Location'] as const;
/** One accepted entity kind. */
export type EntityKind = (typeof ENTITY_KINDS)[number];

// Linear-time forms of Backstage's rules (its own regexes backtrack badly on long bad input).
const NAME_RE = /^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$/;
const NAMESPACE_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]+([-.][a-z0-9]+)*$/;
const TAG_RE = /^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$/;

const text = z.string().min(1, { error: 'must not be empty' });

/** `metadata.name`: 1–63 chars of [a-zA-Z0-9] separated by [-_.], as Backstage requires. */
export const entityNameSchema = z.string().refine((s) => s.length <= 63 && NAME_RE.test(s), {
  error: (i) => `must be 1-63 characters of [a-zA-Z0-9] separated by single [-_.] (got ${JSON.stringify(i.input)})`,
});

const labelKeyOk = (key: string) => {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) return false;
  return name.length <= 63 && NAME_RE.test(name);
};
const keySchema = z.string().refine(labelKeyOk, {
  error: (i) => `key ${JSON.stringify(i.input)} must be [<dns-prefix>/]<name> with a name like metadata.name`,
});
// Labels and annotations are strings in Backstage; an unquoted `tier: 1` is a YAML number and a
// real Backstage would reject the file, so say how to fix it rather than coerce.
const stringValue = z.string({
  error: (i) => (i.input === undefined ? 'is required' : `must be a string; quote it in YAML ("${String(i.input)}")`),
});

const metadataSchema = z.looseObject({
  name: entityNameSchema,
  namespace: z
    .string()
    .refine((s) => s.length <= 63 && NAMESPACE_RE.test(s), {
      error: (i) => `must be 1-63 characters of [a-z0-9] separated by single "-" (got ${JSON.stringify(i.input)})`,
    })
    .default('default'),
  title: z.string().optional(),
  description: z.string().optional(),
  labels: z
    .record(
      keySchema,
      stringValue.refine((s) => s.length <= 63 && NAME_RE.test(s), {
        error: (i) => `label value must be like metadata.name (got ${JSON.stringify(i.input)})`,
      }),
    )
    .default({}),
  annotations: z.record(keySchema, stringValue).default({}),
  tags: z
    .array(
      z.string().refine((s) => s.length <= 63 && TAG_RE.test(s), {
        error: (i) => `tag must be 1-63 characters of [a-z0-9:+#] separated by "-" (got ${JSON.stringify(i.input)})`,
      }),
    )
    .default([]),
});

/** The envelope every entity shares; `spec` is checked per kind afterwards. */
export const entityEnvelopeSchema = z.object({
  apiVersion: z.enum(BACKSTAGE_API_VERSIONS),
  kind: z.enum(ENTITY_KINDS),
  metadata: metadataSchema,
  spec: z.record(z.string(), z.unknown()).optional(),
  // Written by Backstage itself; tolerated so exported entities load.
  relations: z.unknown().optional(),
  status: z.unknown().optional(),
});
/** A validated envelope. */
export type EntityEnvelope = z.output<typeof entityEnvelopeSchema>;

const refs = z.array(text).default([]);

/** Component: a service, website or library. */
export const componentSpecSchema = z.looseObject({
  type: text,
  lifecycle: text,
  owner: text,
  system: text.optional(),
  subcomponentOf: text.optional(),
  providesApis: refs,
  consumesApis: refs,
  dependsOn: refs,
  dependencyOf: refs,
});
/** Resource: infrastructure a component needs at runtime (database, bucket, VM). */
export const resourceSpecSchema = z.looseObject({
  type: text,
  owner: text,
  system: text.optional(),
  dependsOn: refs,
  dependencyOf: refs,
});
/** System: a collection of components and resources that form one product. */
export const systemSpecSchema = z.looseObject({ owner: text, domain: text.optional(), type: text.optional() });
/** Group: a team or other organisational unit. */
export const groupSpecSchema = z.looseObject({
  type: text,
  parent: text.optional(),
  children: z.array(text),
  members: refs,
  profile: z.looseObject({ displayName: z.string().optional(), email: z.string().optional() }).optional(),
});
/** Domain, kept minimal. */
export const domainSpecSchema = z.looseObject({ owner: text });
/** API, kept minimal: only what Backstage itself requires. */
export const apiSpecSchema = z.looseObject({ type: text, lifecycle: text, owner: text, definition: z.unknown() });
/** User, kept minimal. */
export const userSpecSchema = z.looseObject({ memberOf: refs });

/** Location, accepted and ignored: AEGIS reads every file under the directory anyway. */
export const locationSpecSchema = z.looseObject({});

/** The spec schema of each kind. */
export const specSchemas = {
  Component: componentSpecSchema,
  Resource: resourceSpecSchema,
  System: systemSpecSchema,
  Group: groupSpecSchema,
  Domain: domainSpecSchema,
  API: apiSpecSchema,
  User: userSpecSchema,
  Location: locationSpecSchema,
} as const satisfies Record<EntityKind, z.ZodType>;
