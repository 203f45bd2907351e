// A capture worker thread (chunk-pool.ts): compresses and seals the data chunks it is handed, in
// place in the pool's shared memory, so zstd and AES-GCM run on every core and nothing is copied
// between threads but a few numbers.
import { parentPort, workerData } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { FrameCodec } from './frame.ts';
import type { ChunkJob, ChunkDone, ChunkWorkerData } from './chunk-pool.ts';

const data = workerData as ChunkWorkerData;
const codec = new FrameCodec(Buffer.from(data.storeId), data.key as KeyObject | null);

parentPort!.on('message', (job: ChunkJob) => {
  let reply: ChunkDone;
  try {
    const raw = Buffer.from(data.raw, job.slot * data.rawSlot, job.rawLen);
    const out = Buffer.from(data.out, job.slot * data.outSlot, data.outSlot);
    reply = { id: job.id, frameLen: codec.sealDataInto(job, raw, out) };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
