// Serving a store file's bytes with a few reused blocks: a download allocates nothing per read,
// so it costs the server no garbage collection (a fresh 1 MiB buffer per read, as fs.ReadStream
// makes, had the server spend more time collecting than serving).
import type { ServerResponse } from 'node:http';
import type { FileHandle } from 'node:fs/promises';

/** Bytes per read and per socket write: few syscalls and little memory per download. */
const BLOCK = 1024 * 1024;
/** Blocks per download: one being read while the others are written. */
const BLOCKS = 3;

const spare: Buffer[] = [];
const take = (): Buffer => spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK);
const give = (b: Buffer): void => {
  if (spare.length < 4 * BLOCKS) spare.push(b);
};

/**
 * Write `length` bytes of `file` from `start` to `res` (headers already set), then end it. A
 * block is read again only once the socket has taken its previous bytes (the write's callback),
 * which is also the backpressure. Rejects if the client goes away or the disk fails; the caller
 * then destroys the response, since its announced length cannot be met.
 */
export async function sendFileRange(res: ServerResponse, file: FileHandle, start: number, length: number): Promise<void> {
  const blocks = Array.from({ length: Math.min(BLOCKS, Math.max(1, Math.ceil(length / BLOCK))) }, take);
  const written: (Promise<void> | undefined)[] = blocks.map(() => undefined);
  let closed!: () => void;
  const gone = new Promise<never>((_, reject) => {
    closed = () => reject(new Error('the client closed the connection'));
  });
  gone.catch(() => {});
  res.once('close', closed);
  try {
    for (let at = 0, i = 0; at < length; i = (i + 1) % blocks.length) {
      const block = blocks[i] as Buffer;
      await Promise.race([written[i], gone]);
      const { bytesRead } = await file.read(block, 0, Math.min(BLOCK, length - at), start + at);
      if (bytesRead === 0) throw new Error('the file became shorter while it was served');
      at += bytesRead;
      const w = new Promise<void>((resolve, reject) => {
        res.write(block.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve()));
      });
      w.catch(() => {});
      written[i] = w;
    }
    await Promise.race([Promise.all(written), gone]);
    await Promise.race([new Promise<void>((resolve) => res.end(resolve)), gone]);
  } catch (err) {
    // The socket may still hold a block: those are left to the garbage collector, not reused.
    blocks.length = 0;
    throw err;
  } finally {
    res.off('close', closed);
    for (const b of blocks) give(b);
  }
}
