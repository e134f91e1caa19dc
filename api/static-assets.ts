import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One file the API server serves as is. */
export interface StaticAsset {
  /** Absolute path of the file on disk. */
  file: string;
  /** The `content-type` header. */
  type: string;
  /** The `cache-control` header. */
  cacheControl: string;
}

/** Serves a fixed table of files: nothing outside it is ever read, so no URL can reach another file. */
export interface StaticHandler {
  /** Whether `path` (a URL pathname) is this handler's: a listed path, or any path under its prefix. */
  handles(path: string): boolean;
  /** Answers a GET or HEAD of `path`: the file with its headers, 304 when the client's copy is current,
   *  404 for an unlisted path under the prefix. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/** The page's Content-Security-Policy: its own origin only, no inline script or style, no framing. */
export const OVERVIEW_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Our own files change with every release and carry no version in their URL: always revalidated. */
const REVALIDATE = 'no-cache';
/** uPlot changes only with the package version: a day in the browser cache is harmless. */
const LIBRARY = 'public, max-age=86400';

const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': OVERVIEW_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The URL paths of the overview page (api/overview) and of uPlot, served from its package. */
export function overviewAssets(): Record<string, StaticAsset> {
  const own = (name: string) => fileURLToPath(new URL(`./overview/${name}`, import.meta.url));
  const uplot = (name: string) => createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
  return {
    '/': { file: own('index.html'), type: 'text/html; charset=utf-8', cacheControl: REVALIDATE },
    '/assets/overview.js': {
      file: own('overview.js'),
      type: 'text/javascript; charset=utf-8',
      cacheControl: REVALIDATE,
    },
    '/assets/cards.js': { file: own('cards.js'), type: 'text/javascript; charset=utf-8', cacheControl: REVALIDATE },
    '/assets/queries.js': { file: own('queries.js'), type: 'text/javascript; charset=utf-8', cacheControl: REVALIDATE },
    '/assets/overview.css': { file: own('overview.css'), type: 'text/css; charset=utf-8', cacheControl: REVALIDATE },
    '/assets/uplot.esm.js': {
      file: uplot('uPlot.esm.js'),
      type: 'text/javascript; charset=utf-8',
      cacheControl: LIBRARY,
    },
    '/assets/uplot.min.css': { file: uplot('uPlot.min.css'), type: 'text/css; charset=utf-8', cacheControl: LIBRARY },
  };
}

/** A {@link StaticHandler} over `assets` (URL path → file); every path under `prefix` not in it is 404.
 *  Files are read on first request and kept in memory (they are a few small files).
 *  @example const overview = createStaticHandler(overviewAssets(), '/assets/'); */
export function createStaticHandler(assets: Record<string, StaticAsset>, prefix: string): StaticHandler {
  const loaded = new Map<string, Promise<{ body: Buffer; etag: string }>>();
  const load = (asset: StaticAsset) => {
    let entry = loaded.get(asset.file);
    if (!entry) {
      entry = readFile(asset.file).then((body) => ({
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      }));
      // A failed read is retried on the next request rather than remembered.
      entry.catch(() => loaded.delete(asset.file));
      loaded.set(asset.file, entry);
    }
    return entry;
  };

  return {
    handles: (path) => Object.hasOwn(assets, path) || path.startsWith(prefix),
    async serve(req, res, path) {
      for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
      const asset = Object.hasOwn(assets, path) ? assets[path] : undefined;
      if (!asset) {
        res.statusCode = 404;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.setHeader('cache-control', 'no-store');
        res.end('not found\n');
        return;
      }
      const { body, etag } = await load(asset);
      res.setHeader('content-type', asset.type);
      res.setHeader('cache-control', asset.cacheControl);
      res.setHeader('etag', etag);
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.statusCode = 200;
      res.setHeader('content-length', body.length);
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
