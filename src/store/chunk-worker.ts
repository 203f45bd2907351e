// A capture worker thread (chunk-pool.ts): compresses and seals the data chunks it is handed, in
// place in the pool's shared memory, so zstd and AES-GCM run on every core and nothing is copied
// between threads but a few numbers. The first one also hashes the stored files (SHA-256 of
// each file, in stream order), which the capture's own thread otherwise spent a tenth of its time on.
import { parentPort, workerData } from 'node:worker_threads';
import { createHash, type Hash, type KeyObject } from 'node:crypto';
import { ChunkCompressor, FrameCodec } from './frame.ts';
import { END_OF_FILE, type ChunkJob, type ChunkDone, type ChunkWorkerData, type HashJob } from './chunk-pool.ts';

const data = workerData as ChunkWorkerData;
const codec = new FrameCodec(Buffer.from(data.storeId), data.key as KeyObject | null);
const zstd = new ChunkCompressor();

/** The file being hashed (it spans jobs when it spans chunks). */
let current: Hash | null = null;

function hashSteps(job: HashJob): string[] {
  const raw = job.slot < 0 ? null : Buffer.from(data.raw, job.slot * data.rawSlot, data.rawSlot);
  const shas: string[] = [];
  for (let i = 0; i < job.ops.length; i += 2) {
    current ??= createHash('sha256');
    const off = job.ops[i]!;
    const len = job.ops[i + 1]!;
    if (len === END_OF_FILE) {
      shas.push(current.digest('hex'));
      current = null;
    } else current.update(raw!.subarray(off, off + len));
  }
  return shas;
}

parentPort!.on('message', (job: ChunkJob | HashJob) => {
  let reply: ChunkDone;
  if ('ops' in job) {
    try {
      reply = { id: job.id, shas: hashSteps(job) };
    } catch (err) {
      reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    parentPort!.postMessage(reply);
    return;
  }
  try {
    const raw = Buffer.from(data.raw, job.slot * data.rawSlot, job.rawLen);
    const out = Buffer.from(data.out, job.slot * data.outSlot, data.outSlot);
    reply = { id: job.id, frameLen: codec.sealDataInto(job, raw, out, zstd) };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
