import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sendFileRange } from './send-file.ts';

/** A server answering `/START/LENGTH` with that range of `file`; `results` gets each send's outcome. */
async function serve(file: string, results: Promise<void>[]): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const [start, length] = (req.url ?? '').split('/').slice(1).map(Number) as [number, number];
    res.writeHead(200, { 'content-length': String(length) });
    const fh = await open(file, 'r');
    const sent = sendFileRange(res, fh, start, length).finally(() => fh.close());
    results.push(sent);
    sent.catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

test('sendFileRange serves any range of a file through its reused blocks, one download after another', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-send-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = randomBytes(3.5 * 1024 * 1024 + 17);
  const file = join(dir, 'f');
  writeFileSync(file, data);
  const results: Promise<void>[] = [];
  const { server, port } = await serve(file, results);
  t.after(() => server.close());
  for (const [start, length] of [
    [0, data.length],
    [1, data.length - 1],
    [1024 * 1024 - 3, 2 * 1024 * 1024 + 5],
    [data.length - 10, 10],
    [5, 0],
  ] as const) {
    const body = await (await fetch(`http://127.0.0.1:${port}/${start}/${length}`)).arrayBuffer();
    assert.deepEqual(Buffer.from(body), data.subarray(start, start + length), `range ${start}+${length}`);
  }
  await Promise.all(results);
});

test('sendFileRange stops when the client goes away mid-download', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-send-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'f');
  writeFileSync(file, randomBytes(64 * 1024 * 1024));
  const results: Promise<void>[] = [];
  const { server, port } = await serve(file, results);
  t.after(() => server.close());
  await new Promise<void>((resolve) => {
    const req = get(`http://127.0.0.1:${port}/0/${64 * 1024 * 1024}`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
  });
  while (!results.length) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(results[0] as Promise<void>);
});
