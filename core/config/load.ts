import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ENV_KEYS, envValue } from './env.ts';
import { type AegisConfig, aegisConfigSchema } from './schema.ts';

/** Where the configuration comes from. */
export interface LoadConfigParams {
  /** Environment to read `AEGIS_*` from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Directory the default `aegis.yaml` and relative paths resolve against. @default process.cwd() */
  cwd?: string;
  /** Explicit config file; otherwise `AEGIS_CONFIG`, then `./aegis.yaml` when present. */
  file?: string;
  /** Values that win over file and environment (command-line flags). */
  overrides?: Record<string, unknown>;
}

/** Reads `aegis.yaml` (optional) and `AEGIS_*` variables, validates them, and fails with one line
 *  per bad key naming the file and line or the variable.
 *  @example const config = loadConfig(); // throws ConfigError on a bad key */
export function loadConfig(params: LoadConfigParams = {}): AegisConfig {
  const env = params.env ?? process.env;
  const cwd = params.cwd ?? process.cwd();
  const explicit = params.file ?? env.AEGIS_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, 'aegis.yaml');
  if (explicit && !existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);

  const fromFile = existsSync(file) ? readYaml(file) : { value: {}, locate: () => undefined };
  const merged = structuredClone(fromFile.value) as Record<string, unknown>;
  const fromEnv = new Map<string, string>();
  for (const [name, { path, type }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setIn(merged, path, envValue(raw, type));
    fromEnv.set(path.join('.'), name);
  }
  for (const [key, value] of Object.entries(params.overrides ?? {})) setIn(merged, key.split('.'), value);

  const result = aegisConfigSchema.safeParse(merged);
  if (!result.success)
    throw new ConfigError(formatIssues(result.error, (path) => describeSource(path, fromEnv, fromFile.locate, file)));
  const config = result.data;
  config.dataDir = resolve(cwd, config.dataDir);
  return config;
}

/** A YAML file's value and a function from key path to `file:line:col`. */
function readYaml(file: string): { value: unknown; locate: (path: PropertyKey[]) => string | undefined } {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${err.message.split('\n')[0]}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw new ConfigError(`${file}: must be a YAML mapping of keys`);
  const locate = (path: PropertyKey[]) => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) {
        const { line, col } = lineCounter.linePos(offset);
        return `${file}:${line}:${col}`;
      }
    }
    return file;
  };
  return { value: doc.toJS() ?? {}, locate };
}

function describeSource(
  path: PropertyKey[],
  fromEnv: Map<string, string>,
  locate: (path: PropertyKey[]) => string | undefined,
  file: string,
): string {
  const key = path.join('.');
  const envName = fromEnv.get(key);
  if (envName) return `environment variable ${envName}`;
  const where = locate(path);
  return where ?? (existsSync(file) ? file : 'defaults');
}

function formatIssues(error: z.ZodError, source: (path: PropertyKey[]) => string): string {
  const lines = error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return keys
      .map((path) => {
        const key = path.join('.') || '(root)';
        const what = issue.code === 'unrecognized_keys' ? 'is not a known setting' : issue.message;
        return `  ${key}: ${what} (${source(path)})`;
      })
      .join('\n');
  });
  return `invalid configuration:\n${lines.join('\n')}`;
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
