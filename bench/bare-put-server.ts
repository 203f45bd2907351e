// The SMP benchmark's reference: a minimal Node HTTP server that streams each PUT body to a file
// (at the offset the query names) and each GET from one, with no database, hashing or flushing.
// `POST /sync` fsyncs every file it holds and its folder once: the same upload followed by it is
// the second reference, what the disk allows when the end of an upload is made durable.
// What the SMP's upload and download reach against it, driven the same way in the same run, are
// the issue-16 ratios.
//   node bench/bare-put-server.ts DIR   → prints "listening on http://127.0.0.1:PORT"
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, statSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2]!;
mkdirSync(dir, { recursive: true });

async function syncAll(): Promise<void> {
  for (const name of [...(await readdir(dir)).map((n) => join(dir, n)), dir]) {
    const fh = await open(name, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const name = url.pathname.slice(1).replace(/[^A-Za-z0-9._-]/g, '_');
  const path = join(dir, name);
  const start = Number(url.searchParams.get('offset') ?? 0);
  if (req.method === 'POST' && name === 'sync') {
    return void syncAll().then(
      () => res.writeHead(200).end('{"ok":true}'),
      () => res.writeHead(500).end(),
    );
  }
  if (req.method === 'GET') {
    const size = statSync(path).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    return void pipeline(createReadStream(path), res).catch(() => res.destroy());
  }
  if (req.method !== 'PUT') return void res.writeHead(405).end();
  closeSync(openSync(path, 'a'));
  pipeline(req, createWriteStream(path, { flags: 'r+', start })).then(
    () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    () => res.writeHead(500).end(),
  );
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${a.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
