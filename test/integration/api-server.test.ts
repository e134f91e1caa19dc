import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKeyStore, ensureDevAdminKey } from '../../api/auth/index.ts';
import { parseApiConfig } from '../../api/config.ts';
import type { ApiServices } from '../../api/context.ts';
import { checkReadiness, pendingMigrations } from '../../api/readiness.ts';
import { type ApiServer, createApiServer } from '../../api/server.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { loadCatalog } from '../../scoring/catalog/index.ts';
import { type GqlError, type GqlResponse, postGraphql } from '../harness/graphql.ts';
import { startTestNats, startTestWarehouse, tempDir } from '../harness/index.ts';

const KEY_CACHE_MS = 400;
const RATE_LIMIT = 2000;
const MAX_DEPTH = 3;
const INJECTIONS = ["'; DROP TABLE api_keys; --", "x' OR '1'='1", '{keyId:String}', "\\'); SELECT 1; --", '"><script>'];

/** The API on real parts: NATS, the embedded ClickHouse engine, the controller, real HTTP and WebSocket
 *  clients against a server on a free port. */
describe('API server', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let controller: Controller;
  let server: ApiServer;
  let adminToken: string;
  let viewerToken: string;
  const dir = tempDir('aegis-api-server-');
  const metrics = createMetricsRegistry();
  let services: ApiServices;

  const post = (
    query: string,
    options: { token?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ): Promise<GqlResponse> =>
    postGraphql(server.url, query, { ...options, token: options.token === undefined ? adminToken : options.token });
  /** The first error's code, after checking every error is clean: a code, a request id, no SQL or stack. */
  const refused = (r: GqlResponse): string => {
    expect(r.errors?.length).toBeGreaterThan(0);
    expectClean(r);
    return r.errors![0]!.extensions.code;
  };
  const expectClean = (r: GqlResponse) => {
    // What the request itself sent may come back in a message (`no API key <input>`): not a leak.
    const text = INJECTIONS.reduce((t, s) => t.replaceAll(JSON.stringify(s).slice(1, -1), ''), r.text);
    for (const e of r.errors ?? []) {
      expect(e.extensions.code).toMatch(/^[A-Z_]+$/);
      expect(e.extensions.requestId).toBeTruthy();
      expect(Object.keys(e.extensions)).not.toContain('stacktrace');
    }
    expect(text).not.toMatch(/SELECT|FROM api_keys|stacktrace|\bat \S+ \(|node_modules|127\.0\.0\.1|DB::Exception/);
  };
  const stillAnswers = async () => {
    const r = await post('{ health }', { token: null });
    expect(r.data).toEqual({ health: 'ok' });
  };

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    const logger = silentLogger();
    const config = aegisConfigSchema.parse({ dataDir: dir.path });
    const catalog = loadCatalog('./catalog');
    controller = await buildController(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      schedule: false,
    });
    services = {
      config,
      warehouse: store.warehouse,
      bus: nats.bus,
      controller,
      catalog: () => catalog,
      logger,
      clock: Date.now,
    };
    const keys = createApiKeyStore(store.warehouse, { cacheMs: KEY_CACHE_MS });
    adminToken = (await ensureDevAdminKey(keys, dir.path)).token;
    viewerToken = (await keys.create({ name: 'viewer', role: 'viewer', team: 'payments' })).token;
    server = createApiServer({
      services,
      config: parseApiConfig({
        port: 0,
        keyCacheMs: KEY_CACHE_MS,
        rateLimitPointsPerMinute: RATE_LIMIT,
        maxDepth: MAX_DEPTH,
      }),
      keys,
      metrics,
    });
    await server.start();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await controller?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  describe('authentication and roles', () => {
    it('answers the viewer query with the calling key', async () => {
      const r = await post('{ viewer { keyId name role team permissions } }', { token: viewerToken });
      expect(r.errors).toBeUndefined();
      expect(r.data.viewer).toMatchObject({ name: 'viewer', role: 'VIEWER', team: 'payments', permissions: ['read'] });
      expect(r.data.viewer.keyId).toMatch(/^ak_/);
    });

    it('answers UNAUTHENTICATED without a key, and public fields still answer', async () => {
      const r = await post('{ health viewer { keyId } }', { token: null });
      expect(r.status).toBe(200);
      expect(r.data).toEqual({ health: 'ok', viewer: null });
      expect(refused(r)).toBe('UNAUTHENTICATED');
      expect((r.errors![0] as GqlError & { path?: unknown }).path).toEqual(['viewer']);
    });

    it('refuses a bad token with 401 UNAUTHENTICATED', async () => {
      for (const token of ['nonsense', `aegis_ak_0123456789abcdef_${'A'.repeat(43)}`]) {
        const r = await post('{ health }', { token });
        expect(r.status).toBe(401);
        expect(refused(r)).toBe('UNAUTHENTICATED');
      }
    });

    it('answers FORBIDDEN to a viewer calling an admin mutation', async () => {
      const r = await post('mutation { createApiKey(name: "x", role: ADMIN) { token } }', { token: viewerToken });
      expect(refused(r)).toBe('FORBIDDEN');
      expect(r.errors![0]!.message).toBe('role viewer may not do this: admin only');
      expect(r.data).toBeNull();
    });

    it('lets an admin create, list and revoke keys; a revoked key stops within keyCacheMs', async () => {
      const created = await post(
        'mutation($team: String) { createApiKey(name: "ops", role: OPERATOR, team: $team) { keyId token key { role team revokedAt } } }',
        { variables: { team: 'search' } },
      );
      expect(created.errors).toBeUndefined();
      const { keyId, token } = created.data.createApiKey;
      expect(created.data.createApiKey.key).toEqual({ role: 'OPERATOR', team: 'search', revokedAt: null });
      expect((await post('{ viewer { keyId } }', { token })).data.viewer.keyId).toBe(keyId);
      const list = await post('{ apiKeys(first: 100) { nodes { keyId name } pageInfo { hasNextPage } } }');
      expect(list.data.apiKeys.nodes.map((k: { keyId: string }) => k.keyId)).toContain(keyId);
      const revoked = await post('mutation($id: String!) { revokeApiKey(keyId: $id) { keyId revokedAt } }', {
        variables: { id: keyId },
      });
      expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
      await new Promise((r) => setTimeout(r, KEY_CACHE_MS + 50));
      const after = await post('{ viewer { keyId } }', { token });
      expect(after.status).toBe(401);
      expect(refused(after)).toBe('UNAUTHENTICATED');
    });

    it('echoes a client x-request-id and stamps it on every error', async () => {
      const r = await post('{ viewer { keyId } }', { token: null, headers: { 'x-request-id': 'trace-42' } });
      expect(r.headers.get('x-request-id')).toBe('trace-42');
      expect(r.errors![0]!.extensions.requestId).toBe('trace-42');
      for (const asked of ['not allowed', 'x'.repeat(200), '<script>']) {
        const fresh = await post('{ health }', { headers: { 'x-request-id': asked } });
        expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    });
  });

  describe('hostile queries', () => {
    it('refuses a depth bomb, through fragments and introspection too', async () => {
      // MAX_DEPTH is 3 here: this schema's own types nest no deeper than 4.
      const r = await post('{ apiKeys { edges { node { keyId } } } }');
      expect(refused(r)).toBe('QUERY_TOO_DEEP');
      expect(r.errors![0]!.message).toBe('operation nests 4 levels deep; the limit is 3');
      const viaFragments = await post(
        '{ apiKeys { ...E } } fragment E on ApiKeyConnection { edges { ...N } } fragment N on ApiKeyEdge { node { keyId } }',
      );
      expect(refused(viaFragments)).toBe('QUERY_TOO_DEEP');
      const introspection = await post(
        `{ __type(name: "Query") { ${'fields { type { '.repeat(12)}name${' } }'.repeat(12)} } }`,
      );
      expect(['QUERY_TOO_DEEP', 'GRAPHQL_VALIDATION_FAILED']).toContain(refused(introspection));
      const nested = `{ viewer { ${'... on Viewer { '.repeat(50)}keyId${' }'.repeat(50)} } }`;
      expect((await post(nested)).errors).toBeUndefined(); // inline fragments add no depth
      await stillAnswers();
    });

    it('refuses an alias flood', async () => {
      const r = await post(`{ ${Array.from({ length: 500 }, (_, i) => `a${i}: health`).join(' ')} }`);
      expect(r.status).toBe(400);
      expect(refused(r)).toBe('TOO_MANY_ALIASES');
      await stillAnswers();
    });

    it('refuses a fragment cycle', async () => {
      const r = await post(
        '{ viewer { ...A } } fragment A on Viewer { keyId ...B } fragment B on Viewer { name ...A }',
      );
      expect(refused(r)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.errors![0]!.message).toMatch(/Cannot spread fragment "A" within itself/);
      await stillAnswers();
    });

    it('refuses a cost bomb before running it', async () => {
      const page = 'apiKeys(first: 100, includeRevoked: true) { nodes { keyId name role team createdAt revokedAt } }';
      const r = await post(`{ ${Array.from({ length: 10 }, (_, i) => `k${i}: ${page}`).join(' ')} }`);
      expect(r.status).toBe(400);
      expect(refused(r)).toBe('QUERY_TOO_COSTLY');
      expect(r.errors![0]!.message).toBe('the query costs 7010 points; the limit is 5000');
      await stillAnswers();
    });

    it('refuses a huge first with BAD_USER_INPUT, as a literal or a variable', async () => {
      const literal = await post('{ apiKeys(first: 100000) { nodes { keyId } } }');
      expect(refused(literal)).toBe('BAD_USER_INPUT');
      expect(literal.errors![0]!.message).toBe('first must be an integer from 1 to 100 (got 100000)');
      const variable = await post('query($n: Int) { apiKeys(first: $n) { nodes { keyId } } }', {
        variables: { n: 2 ** 31 - 1 },
      });
      expect(refused(variable)).toBe('BAD_USER_INPUT');
      await stillAnswers();
    });

    it('refuses an oversized body with 413 and a JSON error', async () => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: `{ health } # ${'x'.repeat(300 * 1024)}` }),
      });
      expect(res.status).toBe(413);
      const body = (await res.json()) as { errors: GqlError[] };
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(body.errors[0]!.extensions.requestId).toBeTruthy();
      await stillAnswers();
    });

    it('refuses a query of too many tokens and malformed JSON cleanly', async () => {
      const tokens = await post(`{ ${'health '.repeat(20_000)} }`);
      expect(refused(tokens)).toBe('GRAPHQL_PARSE_FAILED');
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query": "{ health }"',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: GqlError[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
      await stillAnswers();
    });

    it('binds injection strings in every argument of its own fields', async () => {
      for (const s of INJECTIONS) {
        const after = await post('query($s: String) { apiKeys(after: $s) { nodes { keyId } } }', { variables: { s } });
        expect(refused(after)).toBe('BAD_USER_INPUT');
        const revoke = await post('mutation($s: String!) { revokeApiKey(keyId: $s) { keyId } }', {
          variables: { s },
        });
        expect(refused(revoke)).toBe('NOT_FOUND');
        const created = await post(
          'mutation($s: String!) { createApiKey(name: $s, role: VIEWER, team: $s) { key { name team } } }',
          {
            variables: { s },
          },
        );
        expect(created.data.createApiKey.key).toEqual({ name: s, team: s });
      }
      const [row] = await store.warehouse.query<{ n: number }>('SELECT count() AS n FROM api_keys');
      expect(Number(row!.n)).toBeGreaterThan(INJECTIONS.length);
      await stillAnswers();
    });

    it('answers every query field of the schema cleanly when its string arguments are injections', async () => {
      const intro = await post(
        '{ __schema { queryType { fields { name args { name type { kind name ofType { kind name } } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }',
      );
      type T = { kind: string; name: string | null; ofType?: T | null };
      const named = (t: T): T => (t.ofType ? named(t.ofType) : t);
      const fields = intro.data.__schema.queryType.fields as {
        name: string;
        args: { name: string; type: T }[];
        type: T;
      }[];
      let tried = 0;
      for (const f of fields) {
        const args: string[] = [];
        let ok = true;
        for (const a of f.args) {
          const base = named(a.type).name;
          if (base === 'String' || base === 'ID') args.push(`${a.name}: ${JSON.stringify(INJECTIONS[0])}`);
          else if (base === 'Int') args.push(`${a.name}: 1`);
          else if (a.type.kind === 'NON_NULL') ok = false;
        }
        if (!ok || f.args.length === 0) continue;
        const leaf = ['SCALAR', 'ENUM'].includes(named(f.type).kind);
        const r = await post(
          `{ ${f.name}${args.length ? `(${args.join(', ')})` : ''} ${leaf ? '' : '{ __typename }'} }`,
        );
        expect(r.status, f.name).toBeLessThan(500);
        expectClean(r);
        tried++;
      }
      expect(tried).toBeGreaterThan(0);
      await stillAnswers();
    });
  });

  describe('rate limit', () => {
    it('charges each key its query cost, sends x-ratelimit headers, and refuses with RATE_LIMITED past it', async () => {
      const keyRes = await post('mutation { createApiKey(name: "busy", role: ADMIN) { token } }');
      const token = keyRes.data.createApiKey.token as string;
      const query = '{ apiKeys(first: 100) { nodes { keyId name role team createdAt revokedAt } } }'; // 701 points
      const first = await post(query, { token });
      expect(first.errors).toBeUndefined();
      expect(first.headers.get('x-ratelimit-limit')).toBe(String(RATE_LIMIT));
      expect(Number(first.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(RATE_LIMIT - 701);
      expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      await post(query, { token });
      const limited = await post(query, { token });
      expect(limited.status).toBe(429);
      expect(refused(limited)).toBe('RATE_LIMITED');
      expect(limited.errors![0]!.extensions.retryAfterSec).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await post('{ viewer { keyId } }')).errors).toBeUndefined(); // other keys are unaffected
    });
  });

  describe('read cache', () => {
    const insight = (id: string, team: string) => ({
      id,
      version: 1,
      kind: 'idle_resource',
      severity: 'warning',
      status: 'open',
      subject: `res-${id}`,
      service: 'svc-read-cache',
      team,
      title: 'Idle',
      summary: '',
      score: 0.7,
      evidence: '[]',
      started_at: Date.now(),
      opened_at: Date.now(),
      updated_at: Date.now(),
      resolved_at: null,
    });
    const LIST = '{ insights(first: 5, filter: { service: "svc-read-cache" }) { nodes { id status team } } }';
    const ids = (r: GqlResponse) => {
      expect(r.errors).toBeUndefined();
      return r.data.insights.nodes.map((n: { id: string; status: string }) => `${n.id}:${n.status}`).sort();
    };

    it('answers a repeated read from memory per team scope, and shows the API’s own write at once', async () => {
      await store.warehouse.insert('insights', Buffer.from(`${JSON.stringify(insight('rc-pay', 'payments'))}\n`));
      const make = async (name: string, role: string, team: string) =>
        (await post(`mutation { createApiKey(name: "${name}", role: ${role}, team: "${team}") { token } }`)).data
          .createApiKey.token as string;
      const triager = await make('rc-triager', 'ANALYST', 'payments');
      const searcher = await make('rc-searcher', 'VIEWER', 'search');

      expect(ids(await post(LIST, { token: viewerToken }))).toEqual(['rc-pay:OPEN']);
      // Same query, another team's key: its own (empty) answer, never the cached one of payments.
      expect(ids(await post(LIST, { token: searcher }))).toEqual([]);

      // A row written behind the API's back shows once the cache's TTL has passed, not before.
      await store.warehouse.insert('insights', Buffer.from(`${JSON.stringify(insight('rc-late', 'payments'))}\n`));
      expect(ids(await post(LIST, { token: viewerToken }))).toEqual(['rc-pay:OPEN']);

      // A triage mutation through the API drops the cache: the next read sees it (and the row above).
      const ack = await post('mutation { acknowledgeInsight(id: "rc-pay") { insight { status } } }', {
        token: triager,
      });
      expect(ack.errors).toBeUndefined();
      expect(ids(await post(LIST, { token: viewerToken }))).toEqual(['rc-late:OPEN', 'rc-pay:ACKNOWLEDGED']);
      expect(ids(await post(LIST, { token: searcher }))).toEqual([]);
    });
  });

  describe('probes', () => {
    it('answers /healthz, /readyz and /metrics, and 404 elsewhere', async () => {
      const health = await fetch(`${server.url}/healthz`);
      expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        ready: true,
        checks: [
          { name: 'nats', ok: true },
          { name: 'clickhouse', ok: true },
          { name: 'migrations', ok: true },
        ],
      });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(/aegis_api_requests_total\{operation="query",outcome="ok"\} \d+/);
      expect(text).toMatch(/aegis_api_requests_total\{operation="query",outcome="unauthenticated"\} \d+/);
      expect(text).toMatch(/aegis_api_rate_limited_total \d+/);
      expect(text).toContain('aegis_api_request_duration_seconds_bucket');
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    });

    it('says what is not ready, naming no host', async () => {
      const down = {
        ...services,
        bus: {
          streamMessages: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:4222')),
        } as unknown as ApiServices['bus'],
      };
      expect(await checkReadiness(down, 500)).toEqual({
        ready: false,
        checks: [
          { name: 'nats', ok: false, reason: 'nats is not answering' },
          { name: 'clickhouse', ok: true },
          { name: 'migrations', ok: true },
        ],
      });
      const hung = { ...down, bus: { streamMessages: () => new Promise(() => {}) } as unknown as ApiServices['bus'] };
      expect((await checkReadiness(hung, 200)).checks[0]).toEqual({
        name: 'nats',
        ok: false,
        reason: 'nats is not answering',
      });
    });

    it('lists a migration file not yet applied as pending', async () => {
      const dirs = tempDir('aegis-migrations-');
      try {
        const source = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));
        for (const f of readdirSync(source)) copyFileSync(join(source, f), join(dirs.path, f));
        writeFileSync(join(dirs.path, '999_future.sql'), 'SELECT 1;\n');
        expect(await pendingMigrations(store.warehouse, dirs.path)).toEqual(['999_future']);
      } finally {
        dirs.remove();
      }
    });
  });

  describe('WebSocket', () => {
    const closeCode = (initPayload: Record<string, unknown>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: initPayload })));
        ws.on('close', (code) => resolve(code));
        ws.on('error', reject);
      });

    it('refuses a connection without a key (4401) or with a bad one (4403)', async () => {
      expect(await closeCode({})).toBe(4401);
      expect(await closeCode({ authorization: 'Bearer nonsense' })).toBe(4403);
      await stillAnswers();
    });

    it('runs a query over the socket with the key from connection_init, with the same limits', async () => {
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${viewerToken}` },
        retryAttempts: 0,
      });
      try {
        const run = async (query: string) => {
          const results: { data?: unknown; errors?: GqlError[] }[] = [];
          try {
            for await (const r of client.iterate({ query })) results.push(r as never);
          } catch (err) {
            return { errors: err as GqlError[] };
          }
          return results[0]!;
        };
        expect(await run('{ viewer { name role } }')).toEqual({ data: { viewer: { name: 'viewer', role: 'VIEWER' } } });
        const forbidden = await run('{ apiKeys { nodes { keyId } } }');
        expect(forbidden.errors![0]!.extensions.code).toBe('FORBIDDEN');
        expect(forbidden.errors![0]!.extensions.requestId).toBeTruthy();
        const subscription = await run('subscription { auditAppended { __typename } }');
        expect(subscription.errors![0]!.extensions.code).toBe('FORBIDDEN'); // a viewer lacks `subscribe`
        const deep = await run('{ apiKeys { edges { node { keyId } } } }');
        expect((deep.errors as GqlError[])[0]!.extensions.code).toBe('QUERY_TOO_DEEP');
      } finally {
        await client.dispose();
      }
    });
  });

  describe('lifecycle', () => {
    it('stops before start and twice', async () => {
      const idle = createApiServer({
        services,
        config: parseApiConfig({ port: 0 }),
        keys: createApiKeyStore(store.warehouse),
        metrics: createMetricsRegistry(),
      });
      await expect(idle.stop()).resolves.toBeUndefined();
      await expect(idle.stop()).resolves.toBeUndefined();
      expect(idle.state).toBe('stopped');
    });

    it('lets a request in flight finish on stop, then refuses new connections', async () => {
      const api = createApiServer({
        services,
        config: parseApiConfig({ port: 0 }),
        keys: createApiKeyStore(store.warehouse),
        metrics: createMetricsRegistry(),
      });
      await api.start();
      expect(api.state).toBe('running');
      const body = JSON.stringify({ query: '{ viewer { name } }' });
      let push!: (chunk: string | null) => void;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          push = (chunk) => (chunk === null ? c.close() : c.enqueue(new TextEncoder().encode(chunk)));
        },
      });
      const inFlight = fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${viewerToken}` },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      push(body.slice(0, 10));
      await new Promise((r) => setTimeout(r, 100));
      const stopped = api.stop();
      await new Promise((r) => setTimeout(r, 100));
      push(body.slice(10));
      push(null);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { viewer: { name: 'viewer' } } });
      await stopped;
      expect(api.state).toBe('stopped');
      await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
      await api.stop();
    });
  });
});
