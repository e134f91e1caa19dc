// Keeps the deployment files and the README honest: the README documents every setting and a
// two-command quick start; docker-compose.yml (which cannot be run on the development machines)
// names the right services, images and settings; `docker compose config` checks it where a
// compose tool exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { aegisConfigSchema, ENV_KEYS } from '../core/config/index.ts';

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
    expect(services.simulator?.command).toEqual(['simulate']);
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
    expect(envOf(services.grafana!).GF_INSTALL_PLUGINS).toContain('grafana-clickhouse-datasource');
    const mount = services.grafana?.volumes?.find((v) => v.includes(':/etc/grafana/provisioning'));
    expect(mount?.split(':')[0]).toBe('./dashboards/provisioning');
    const datasources = parse(read('dashboards/provisioning/datasources/clickhouse.yaml')) as {
      datasources: { type: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, unknown> }[];
    };
    const ds = datasources.datasources[0]!;
    expect(ds.type).toBe('grafana-clickhouse-datasource');
    expect(ds.jsonData).toMatchObject({ host: 'clickhouse', port: 9000, protocol: 'native', defaultDatabase: 'aegis' });
    expect(ds.secureJsonData.password).toBe('$AEGIS_CLICKHOUSE_PASSWORD');
    expect(envOf(services.grafana!).AEGIS_CLICKHOUSE_PASSWORD).toBeDefined();
    const providers = parse(read('dashboards/provisioning/dashboards/aegis.yaml')) as {
      providers: { options: { path: string } }[];
    };
    const path = providers.providers[0]!.options.path.replace('/etc/grafana/provisioning/', 'dashboards/provisioning/');
    expect(existsSync(`${ROOT}/${path}`)).toBe(true);
  });
});

describe('Dockerfile', () => {
  it('copies only folders that exist and runs the CLI as the node user', () => {
    const dockerfile = read('Dockerfile');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    expect(sources.filter((s) => !existsSync(`${ROOT}/${s}`))).toEqual([]);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/aegis.js"]');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});

// The docker client exists on the development machines but the compose plugin may not: skip then.
const composeAvailable = (() => {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  return probe.error === undefined && probe.status === 0;
})();

describe.skipIf(!composeAvailable)('docker compose config', () => {
  it('accepts docker-compose.yml', () => {
    const result = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
  });
});
