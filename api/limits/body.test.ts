import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBody } from './body.ts';

describe('readBody', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      readBody(req, 1000).then(
        (b) => res.end(`ok ${b.length}`),
        (err) => {
          res.statusCode = err instanceof BodyTooLargeError ? 413 : 500;
          res.setHeader('connection', 'close');
          res.end();
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reads a body within the limit', async () => {
    const res = await fetch(url, { method: 'POST', body: 'x'.repeat(1000) });
    expect(await res.text()).toBe('ok 1000');
  });

  it('refuses a declared length over the limit', async () => {
    const res = await fetch(url, { method: 'POST', body: 'x'.repeat(1001) });
    expect(res.status).toBe(413);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('y'.repeat(100)));
        c.close();
      },
    });
    const res = await fetch(url, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
});
