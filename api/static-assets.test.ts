import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, OVERVIEW_CSP, overviewAssets } from './static-assets.ts';

/** A raw GET (or HEAD): the path goes on the wire as written, `..` and `%2e` included (fetch would
 *  normalise them first). */
function raw(base: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(`${base}${path}`, { method, headers, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('static assets of the overview page', () => {
  const handler = createStaticHandler(overviewAssets(), '/assets/');
  let server: Server;
  let base = '';

  beforeAll(async () => {
    // Routed as api/server.ts routes: the URL's pathname, then the handler or a plain 404.
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (handler.handles(path)) void handler.serve(req, res, path);
      else {
        res.statusCode = 404;
        res.end('not found\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the page and each asset with its content type, the CSP and a cache policy', async () => {
    const expected: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/assets/overview.js': 'text/javascript; charset=utf-8',
      '/assets/cards.js': 'text/javascript; charset=utf-8',
      '/assets/queries.js': 'text/javascript; charset=utf-8',
      '/assets/overview.css': 'text/css; charset=utf-8',
      '/assets/uplot.esm.js': 'text/javascript; charset=utf-8',
      '/assets/uplot.min.css': 'text/css; charset=utf-8',
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await raw(base, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
      expect(res.headers['content-security-policy'], path).toBe(OVERVIEW_CSP);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['cache-control'], path).toMatch(/^(no-cache|public, max-age=\d+)$/);
      expect(Number(res.headers['content-length']), path).toBe(Buffer.byteLength(res.body));
    }
    expect((await raw(base, '/')).headers['cache-control']).toBe('no-cache');
    expect((await raw(base, '/assets/uplot.esm.js')).body).toContain('export { uPlot as default }');
  });

  it("allows only the page's own origin, and the page has no inline script or style to need more", async () => {
    expect(OVERVIEW_CSP).toContain("default-src 'self'");
    expect(OVERVIEW_CSP).toContain("script-src 'self'");
    expect(OVERVIEW_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    const html = (await raw(base, '/')).body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(attrs).toMatch(/src="\/assets\//);
      expect(inline!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // Every file the page and its script load is one the handler serves.
    const js = ['overview.js', 'cards.js'].map((f) =>
      readFileSync(new URL(`./overview/${f}`, import.meta.url), 'utf8'),
    );
    const linked = [
      ...[...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]!),
      ...js.flatMap((text) =>
        [...text.matchAll(/from '([^']+)'/g)].map((m) => new URL(m[1]!, 'http://x/assets/').pathname),
      ),
    ];
    expect(linked).toContain('/assets/cards.js');
    expect(linked).toContain('/assets/queries.js');
    expect(linked).toContain('/assets/uplot.esm.js');
    for (const path of linked) expect((await raw(base, path)).status, path).toBe(200);
  });

  it('answers 404 for an asset it does not list, with the same security headers', async () => {
    for (const path of ['/assets/', '/assets/nope.js', '/assets/overview.js.map', '/assets/OVERVIEW.JS']) {
      const res = await raw(base, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-security-policy'], path).toBe(OVERVIEW_CSP);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
    expect(handler.handles('/graphql')).toBe(false);
    expect(handler.handles('/healthz')).toBe(false);
  });

  it('cannot be walked out of its table, however the path is spelled', async () => {
    const attempts = [
      '/assets/../package.json',
      '/assets/../../package.json',
      '/assets/%2e%2e/package.json',
      '/assets/%2e%2e%2fpackage.json',
      '/assets/..%2f..%2fapi%2fserver.ts',
      '/assets/..\\package.json',
      '/assets//etc/passwd',
      '/assets/%2fetc%2fpasswd',
      '/../package.json',
    ];
    for (const path of attempts) {
      const res = await raw(base, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toMatch(/"name": "aegis"|root:/);
    }
    // Served directly, un-normalised: still nothing outside the table.
    for (const path of attempts) {
      const res = { statusCode: 0, headers: {} as Record<string, unknown>, body: '' };
      await handler.serve(
        { method: 'GET', headers: {} } as never,
        {
          setHeader: (k: string, v: unknown) => {
            res.headers[k] = v;
          },
          end: (b?: unknown) => {
            res.body = String(b ?? '');
          },
          set statusCode(s: number) {
            res.statusCode = s;
          },
        } as never,
        path,
      );
      expect(res.statusCode, path).toBe(404);
    }
  });

  it('answers 304 to a current ETag, and HEAD without a body', async () => {
    const first = await raw(base, '/assets/overview.css');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await raw(base, '/assets/overview.css', 'GET', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const stale = await raw(base, '/assets/overview.css', 'GET', { 'if-none-match': '"old"' });
    expect(stale.status).toBe(200);
    const head = await raw(base, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });
});
