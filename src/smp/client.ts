// The SMP client used by Request / Release State Store and by Capture / Restore when the store
// lives on a State Migration Point. Requests follow the step's semantics: SMPs are tried in
// turn, the whole round is retried `retryCount` times `retryDelaySeconds` apart
// (OSDStateSMPRetryCount / OSDStateSMPRetryTime), and the Network Access Account is used only
// when the computer credential is refused and `fallbackToNaa` (OSDStateFallbackToNAA) is on.
// Transfers stream file by file in chunks, resume from what the server already has, and are
// verified by SHA-256 against the manifest.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, fromSystemError, type ErrorCode } from '../errors/index.ts';
import { silentEvents, type EventStream } from '../events/index.ts';
import { checkStorePath, chunkCount, chunkLength, manifestDigest, PART_SUFFIX, sha256File } from './storage.ts';
import type { Manifest, ManifestEntry, StoreGrant, StoreRecord, UploadState } from './types.ts';

export interface SmpHttpClientOptions {
  /** SMP base URLs in the order to try them (the management point's list). */
  readonly servers: readonly string[];
  /** This computer's name (sent with Network Access Account requests). */
  readonly computerName: string;
  /** The computer credential from registration. */
  readonly credential?: string;
  readonly naaCredential?: string;
  /** OSDStateFallbackToNAA (default false). */
  readonly fallbackToNaa?: boolean;
  /** OSDStateSMPRetryCount (default 3). */
  readonly retryCount?: number;
  /** OSDStateSMPRetryTime in seconds (default 10). */
  readonly retryDelaySeconds?: number;
  /** Attempts per chunk or file range before a transfer gives up (default 8, backing off to 5 s). */
  readonly transferAttempts?: number;
  /** Chunks in flight during an upload (default 4). */
  readonly parallelChunks?: number;
  readonly events?: EventStream;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface TransferResult {
  readonly files: number;
  readonly bytes: number;
  /** Bytes actually sent or received by this call (less than `bytes` when resuming). */
  readonly bytesTransferred: number;
  readonly manifestDigest: string;
}

export interface RestoreReport {
  /** The restore was verified (every file matched the manifest, LoadState succeeded). */
  readonly verified: boolean;
  readonly manifestDigest: string;
}

type Auth = 'computer' | 'naa';

interface ErrorBody {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const AUTH_FAILURES = new Set([
  'FERRY_E_SMP_UNAUTHORIZED',
  'FERRY_E_SMP_CREDENTIAL_EXPIRED',
  'FERRY_E_SMP_FORBIDDEN',
  'FERRY_E_SMP_UNKNOWN_COMPUTER',
]);
/** Answers that say the request itself is wrong: no other SMP or later retry will change them. */
const FINAL = new Set([
  'FERRY_E_INVALID_ARGUMENT',
  'FERRY_E_SMP_PATH_INVALID',
  'FERRY_E_SMP_TOO_LARGE',
  'FERRY_E_SMP_STORE_STATE',
  'FERRY_E_SMP_STORE_NOT_FOUND',
  'FERRY_E_SMP_STORE_INCOMPLETE',
  'FERRY_E_SMP_NAA_NOT_ALLOWED',
]);

/** HTTP client of a State Migration Point: registration, store requests, upload and download with retries across servers. */
export class SmpHttpClient {
  readonly #o: SmpHttpClientOptions;
  readonly #events: EventStream;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: SmpHttpClientOptions) {
    if (!options.servers.length) throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'The SMP client needs at least one SMP URL.');
    this.#o = options;
    this.#events = options.events ?? silentEvents();
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * `POST /register`: get this computer's credential with an enrollment token (a new computer, or
   * a token the administrator bound to this one).
   */
  static register(
    serverUrl: string,
    enrollmentToken: string,
    computerName: string,
  ): Promise<{ computerId: string; credential: string; expiresAt: string }> {
    return postRegister(serverUrl, { enrollmentToken, computerName });
  }

  /** `POST /register` with the current credential (valid, or recently expired): a new credential replaces it. */
  static renew(
    serverUrl: string,
    currentCredential: string,
    computerName: string,
  ): Promise<{ computerId: string; credential: string; expiresAt: string }> {
    return postRegister(serverUrl, { currentCredential, computerName });
  }

  /** Request State Store /capture. */
  requestCapture(): Promise<StoreGrant> {
    return this.#request('capture');
  }

  /** Request State Store /restore ("restore state from another computer"). */
  requestRestore(): Promise<StoreGrant> {
    return this.#request('restore');
  }

  async #request(kind: 'capture' | 'restore'): Promise<StoreGrant> {
    const attempts = (this.#o.retryCount ?? 3) + 1;
    const delayMs = (this.#o.retryDelaySeconds ?? 10) * 1000;
    let last: FerryError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      for (const server of this.#o.servers) {
        try {
          const res = await this.#call(`${server.replace(/\/+$/, '')}/requests/${kind}`, { method: 'POST' });
          const grant = (await res.json()) as StoreGrant;
          this.#events.log('info', 'OSDSmpClient', `${kind} request granted by ${server}: store ${grant.storeId} at ${grant.location}`);
          return grant;
        } catch (err) {
          last = asFerry(err, `requesting a ${kind} store from ${server}`);
          this.#events.log('warn', 'OSDSmpClient', `${kind} request to ${server} failed: ${last.code}: ${last.message}`);
          if (FINAL.has(last.code)) throw last;
        }
      }
      if (attempt < attempts) {
        this.#events.log(
          'info',
          'OSDSmpClient',
          `no SMP granted the ${kind} request; retry ${attempt} of ${attempts - 1} in ${delayMs / 1000} s`,
        );
        await this.#sleep(delayMs);
      }
    }
    const details = { attempts, servers: this.#o.servers, lastCode: last?.code, lastMessage: last?.message };
    if (last && last.code !== 'FERRY_E_SMP_UNREACHABLE' && last.details.network !== true) {
      throw new FerryError(last.code, `${last.message} (after ${attempts} attempt(s) on ${this.#o.servers.length} SMP(s))`, {
        cause: last,
        details: { ...last.details, ...details },
      });
    }
    throw new FerryError(
      'FERRY_E_SMP_UNREACHABLE',
      `No State Migration Point granted the ${kind} request after ${attempts} attempt(s): ${last?.message ?? 'no answer'}.`,
      { cause: last, details },
    );
  }

  /**
   * Upload the store folder `storeDir` to the store at `location`, resuming whatever the
   * server already holds, and commit it. Every file is read and hashed once (its SHA-256 and
   * those of its chunks, in one pass), declared in the manifest and sent in chunks the server
   * checks against those hashes. The commit at the end makes the server fsync the store: when
   * this resolves the upload is on the SMP's disk, and only then may the source be wiped.
   */
  async upload(storeDir: string, location: string, events: EventStream = this.#events): Promise<TransferResult> {
    const { chunkSize } = await this.#json<UploadState>(location, { method: 'GET' });
    const { entries, chunkHashes } = await hashTree(storeDir, chunkSize, events);
    const total = entries.reduce((n, e) => n + e.size, 0);
    let state = await this.#json<UploadState>(`${location}/manifest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ files: entries }),
    });
    let done = 0;
    let sent = 0;
    const jobs: { path: string; index: number; chunk: number; length: number; size: number }[] = [];
    for (const f of state.files) {
      const have = new Set(f.chunksReceived);
      const count = chunkCount(f.size, state.chunkSize);
      for (let c = 0; c < count; c++) {
        const length = chunkLength(f.size, state.chunkSize, c);
        if (f.verified || have.has(c)) done += length;
        else jobs.push({ path: f.path, index: f.index, chunk: c, length, size: f.size });
      }
    }
    events.emit({ type: 'phase', phase: 'smp-upload', status: 'start' });
    const send = async (job: (typeof jobs)[number]): Promise<void> => {
      const file = join(storeDir, ...job.path.split('/'));
      const offset = job.chunk * state.chunkSize;
      // Hashed in the manifest's pass; a file changed since then is refused (its chunk mismatches).
      const known = state.chunkSize === chunkSize ? chunkHashes.get(job.path)?.[job.chunk] : undefined;
      const data = known === undefined ? await readChunk(file, offset, job.length) : undefined;
      const sha =
        known ??
        createHash('sha256')
          .update(data as Buffer)
          .digest('hex');
      await this.#transfer(`uploading ${job.path} chunk ${job.chunk}`, () =>
        this.#call(
          `${location}/files/${job.index}/chunks/${job.chunk}`,
          () =>
            ({
              ...CHUNK_PUT,
              headers: { 'content-type': 'application/octet-stream', 'x-ferry-sha256': sha },
              // Streamed from the file (a fresh stream per attempt): no chunk-sized buffer, no copy of it.
              ...(data ? { body: data as Uint8Array<ArrayBuffer> } : { body: chunkBody(file, offset, job.length), duplex: 'half' }),
            }) as RequestInit,
        ),
      );
      done += job.length;
      sent += job.length;
      events.emit({ type: 'progress', phase: 'smp-upload', done, total, bytesDone: done, bytesTotal: total, current: job.path });
    };
    await runPool(jobs, this.#o.parallelChunks ?? 4, send);
    // The durability point: the server fsyncs the store before it answers.
    state = await this.#json<UploadState>(`${location}/commit`, { method: 'POST' });
    const missing = state.files.filter((f) => !f.verified);
    if (missing.length) {
      throw new FerryError(
        'FERRY_E_SMP_STORE_INCOMPLETE',
        `${missing.length} file(s) were not verified by the SMP after the upload ` +
          `(first: ${missing[0]?.path}); run the upload again to resume.`,
        { details: { missing: missing.slice(0, 20).map((f) => f.path) } },
      );
    }
    events.emit({ type: 'phase', phase: 'smp-upload', status: 'end', ok: true });
    return { files: entries.length, bytes: total, bytesTransferred: sent, manifestDigest: manifestDigest(entries) };
  }

  /**
   * Download the store at `location` into `destDir`, resuming partly downloaded files and
   * skipping files already present with the right hash; every file is verified.
   */
  async download(location: string, destDir: string, events: EventStream = this.#events): Promise<TransferResult> {
    const manifest = await this.#json<Manifest>(`${location}/manifest`, { method: 'GET' });
    if (manifestDigest(manifest.files) !== manifest.manifestDigest) {
      throw new FerryError('FERRY_E_SMP_CHUNK_MISMATCH', 'The store manifest does not match its digest; the SMP answer is corrupt.');
    }
    const total = manifest.files.reduce((n, f) => n + f.size, 0);
    let done = 0;
    let received = 0;
    events.emit({ type: 'phase', phase: 'smp-download', status: 'start' });
    for (const [index, f] of manifest.files.entries()) {
      checkStorePath(f.path);
      const dest = join(destDir, ...f.path.split('/'));
      const part = dest + PART_SUFFIX;
      await mkdir(dirname(dest), { recursive: true });
      if ((await sizeOf(dest)) === f.size && (await sha256File(dest)) === f.sha256) {
        done += f.size;
        continue;
      }
      for (let pass = 0; ; pass++) {
        // Hashed as it arrives (after what a resumed part file already holds): no second read.
        let digest = '';
        await this.#transfer(`downloading ${f.path}`, async () => {
          const offset = Math.min((await sizeOf(part)) ?? 0, f.size);
          const hash = createHash('sha256');
          if (f.size === 0) {
            await writeFile(part, '');
            digest = hash.digest('hex');
            return;
          }
          if (offset) for await (const b of createReadStream(part, { start: 0, end: offset - 1 })) hash.update(b as Buffer);
          if (offset === f.size) {
            digest = hash.digest('hex');
            return;
          }
          const res = await this.#call(`${location}/files/${index}`, { method: 'GET', headers: { range: `bytes=${offset}-` } });
          if (res.status !== 206 || !res.body)
            throw new FerryError('FERRY_E_INTERNAL', `The SMP did not answer the range request for ${f.path} (HTTP ${res.status}).`);
          const counter = new Transform({
            transform(chunk: Buffer, _e, cb) {
              hash.update(chunk);
              done += chunk.length;
              received += chunk.length;
              events.emit({ type: 'progress', phase: 'smp-download', done, total, bytesDone: done, bytesTotal: total, current: f.path });
              cb(null, chunk);
            },
          });
          await pipeline(
            Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
            counter,
            createWriteStream(part, { flags: offset ? 'r+' : 'w', start: offset, highWaterMark: 1024 * 1024 }),
          );
          digest = hash.digest('hex');
        });
        if ((await sizeOf(part)) === f.size && digest === f.sha256) break;
        await rm(part, { force: true });
        if (pass >= 1)
          throw new FerryError(
            'FERRY_E_SMP_CHUNK_MISMATCH',
            `${f.path} does not match its SHA-256 after downloading it twice; the store on the SMP may be damaged.`,
            { details: { path: f.path } },
          );
      }
      await rename(part, dest);
    }
    events.emit({ type: 'phase', phase: 'smp-download', status: 'end', ok: true });
    return { files: manifest.files.length, bytes: total, bytesTransferred: received, manifestDigest: manifest.manifestDigest };
  }

  /**
   * Check a downloaded store folder against the SMP's manifest (sizes and SHA-256 of every
   * file): the report Release State Store needs after a restore.
   */
  async verifyDownload(location: string, destDir: string): Promise<RestoreReport> {
    const manifest = await this.#json<Manifest>(`${location}/manifest`, { method: 'GET' });
    for (const f of manifest.files) {
      const path = join(destDir, ...checkStorePath(f.path).split('/'));
      if ((await sizeOf(path)) !== f.size || (await sha256File(path)) !== f.sha256)
        return { verified: false, manifestDigest: manifest.manifestDigest };
    }
    return { verified: true, manifestDigest: manifest.manifestDigest };
  }

  /** Release State Store after a capture: the store becomes available for restore. */
  releaseCapture(location: string): Promise<StoreRecord> {
    return this.#json<StoreRecord>(`${location}/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'capture' }),
    });
  }

  /** Release State Store after a restore: only with a verified restore; starts the deletion policy. */
  releaseRestore(location: string, report: RestoreReport): Promise<StoreRecord> {
    return this.#json<StoreRecord>(`${location}/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'restore', verified: report.verified, manifestDigest: report.manifestDigest }),
    });
  }

  /** Release for either kind of grant. */
  release(grant: Pick<StoreGrant, 'kind' | 'location'>, report?: RestoreReport): Promise<StoreRecord> {
    if (grant.kind === 'capture') return this.releaseCapture(grant.location);
    if (!report) throw new FerryError('FERRY_E_SMP_STORE_STATE', 'Release State Store after a restore needs the verified restore report.');
    return this.releaseRestore(grant.location, report);
  }

  async #json<T>(url: string, init: RequestInit): Promise<T> {
    const res = await this.#transfer(`${init.method} ${url}`, () => this.#call(url, init));
    return (await res.json()) as T;
  }

  /** Retry a transfer step over dropped connections and server restarts, backing off to 5 s. */
  async #transfer<T>(what: string, step: () => Promise<T>): Promise<T> {
    const attempts = this.#o.transferAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        const e = asFerry(err, what);
        const retryable =
          e.details.network === true ||
          e.code === 'FERRY_E_SMP_CHUNK_MISMATCH' ||
          e.code === 'FERRY_E_SMP_RATE_LIMITED' ||
          (e.httpStatus >= 500 && e.code !== 'FERRY_E_SMP_FOLDER_FULL');
        if (!retryable || attempt >= attempts) throw e;
        this.#events.log('warn', 'OSDSmpClient', `${what} failed (${e.code}: ${e.message}); attempt ${attempt + 1} of ${attempts}`);
        await this.#sleep(Math.min(5000, 200 * 2 ** (attempt - 1)));
      }
    }
  }

  /**
   * One HTTP call with the computer credential, falling back to the NAA only if allowed. A
   * streamed body can be sent once: give `init` as a function to get a fresh one per attempt.
   */
  async #call(url: string, request: RequestInit | (() => RequestInit)): Promise<Response> {
    const auth: Auth[] = [];
    if (this.#o.credential) auth.push('computer');
    if (this.#o.fallbackToNaa && this.#o.naaCredential) auth.push('naa');
    if (!auth.length) {
      throw new FerryError(
        this.#o.naaCredential ? 'FERRY_E_SMP_NAA_NOT_ALLOWED' : 'FERRY_E_SMP_UNAUTHORIZED',
        this.#o.naaCredential
          ? 'Only a Network Access Account credential is available and the step does ' +
              'not allow falling back to it (OSDStateFallbackToNAA=false).'
          : 'No computer credential: register the computer first.',
      );
    }
    let last: FerryError | undefined;
    for (const a of auth) {
      const init = typeof request === 'function' ? request() : request;
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${a === 'computer' ? this.#o.credential : this.#o.naaCredential}`);
      if (a === 'naa') headers.set('x-ferry-computer', this.#o.computerName);
      try {
        return await fetchOrThrow(url, { ...init, headers });
      } catch (err) {
        last = asFerry(err, url);
        if (!AUTH_FAILURES.has(last.code)) throw last;
        if (a === 'computer' && auth.includes('naa'))
          this.#events.log(
            'warn',
            'OSDSmpClient',
            `computer credential refused by ${new URL(url).host} (${last.code}); using the Network Access Account`,
          );
      }
    }
    throw last as FerryError;
  }
}

async function postRegister(
  serverUrl: string,
  body: { computerName: string; enrollmentToken?: string; currentCredential?: string },
): Promise<{ computerId: string; credential: string; expiresAt: string }> {
  const res = await fetchOrThrow(`${serverUrl.replace(/\/+$/, '')}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { computerId: string; credential: string; expiresAt: string };
}

async function fetchOrThrow(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new FerryError(
      'FERRY_E_SMP_UNREACHABLE',
      `Cannot ` +
        (`reach ${new URL(url).origin}: ` +
          `${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}` +
          `.`),
      { cause: err, details: { network: true, url } },
    );
  }
  if (res.ok) return res;
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // Not a Ferry answer (a proxy, a crash): keep the status.
  }
  const code = (
    typeof body.code === 'string' && body.code.startsWith('FERRY_E_')
      ? body.code
      : res.status >= 500
        ? 'FERRY_E_INTERNAL'
        : 'FERRY_E_INVALID_ARGUMENT'
  ) as ErrorCode;
  throw new FerryError(code, body.message ?? `HTTP ${res.status} from ${url}`, {
    details: { ...(body.details ?? {}), status: res.status, url },
  });
}

function asFerry(err: unknown, what: string): FerryError {
  if (err instanceof FerryError) return err;
  if (
    (err as Error)?.name === 'TypeError' ||
    (err as NodeJS.ErrnoException)?.code === 'ECONNRESET' ||
    (err as NodeJS.ErrnoException)?.code === 'UND_ERR_SOCKET'
  ) {
    return new FerryError('FERRY_E_SMP_UNREACHABLE', `The connection dropped while ${what}: ${(err as Error).message}.`, {
      cause: err,
      details: { network: true },
    });
  }
  return fromSystemError(err, what);
}

/**
 * Relative forward-slash path, size and SHA-256 of every regular file under `root`, and the
 * SHA-256 of each of its `chunkSize` chunks, from one read of each file.
 */
async function hashTree(
  root: string,
  chunkSize: number,
  events: EventStream,
): Promise<{ entries: ManifestEntry[]; chunkHashes: Map<string, string[]> }> {
  const out: ManifestEntry[] = [];
  const chunkHashes = new Map<string, string[]>();
  const walk = async (dir: string): Promise<void> => {
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw fromSystemError(err, `reading the store folder ${dir}`);
    }
    for (const d of names.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, d.name);
      if (d.isDirectory()) await walk(full);
      else if (d.isFile()) {
        if (d.name.endsWith(PART_SUFFIX)) continue;
        const path = relative(root, full).split(sep).join('/');
        const { size, sha256, chunks } = await hashFile(full, chunkSize);
        out.push({ path, size, sha256 });
        chunkHashes.set(path, chunks);
        events.emit({ type: 'progress', phase: 'smp-hash', done: out.length, current: d.name });
      } else {
        throw new FerryError(
          'FERRY_E_SMP_PATH_INVALID',
          `The store folder holds ${full}, which is not a regular file or folder; a store holds only files.`,
          { details: { path: full } },
        );
      }
    }
  };
  await walk(root);
  if (!out.length)
    throw new FerryError('FERRY_E_SMP_STORE_INCOMPLETE', `The store folder ${root} holds no files; run Capture User State first.`);
  return { entries: out, chunkHashes };
}

/** Read block of `hashFile`, reused: a fresh buffer per read costs the client garbage collection. */
const HASH_BLOCK = 1024 * 1024;
let hashBlock: Buffer | undefined;

/**
 * One read of `path`: its size, SHA-256 and the SHA-256 of each `chunkSize` chunk. A file of one
 * chunk is hashed once: its chunk's hash is the file's.
 */
async function hashFile(path: string, chunkSize: number): Promise<{ size: number; sha256: string; chunks: string[] }> {
  let whole: Hash | undefined;
  const chunks: string[] = [];
  let chunk = createHash('sha256');
  let inChunk = 0;
  let size = 0;
  // Taken while in use: uploads running at once in one process each get their own.
  const block = hashBlock ?? Buffer.allocUnsafeSlow(HASH_BLOCK);
  hashBlock = undefined;
  try {
    const fh = await open(path, 'r');
    try {
      if ((await fh.stat()).size > chunkSize) whole = createHash('sha256');
      for (;;) {
        // Never past the chunk's end: each read feeds one chunk hash whole.
        const { bytesRead } = await fh.read(block, 0, Math.min(HASH_BLOCK, chunkSize - inChunk), null);
        if (bytesRead === 0) break;
        const piece = block.subarray(0, bytesRead);
        whole?.update(piece);
        chunk.update(piece);
        size += bytesRead;
        inChunk += bytesRead;
        if (inChunk === chunkSize) {
          chunks.push(chunk.digest('hex'));
          chunk = createHash('sha256');
          inChunk = 0;
        }
      }
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fromSystemError(err, `reading ${path}`);
  } finally {
    hashBlock = block;
  }
  if (inChunk > 0 || size === 0) chunks.push(chunk.digest('hex'));
  if (whole) return { size, sha256: whole.digest('hex'), chunks };
  // It grew past one chunk while it was read: hash it again, whole.
  if (chunks.length > 1) return hashFile(path, chunkSize);
  return { size, sha256: chunks[0] as string, chunks };
}

/**
 * The fetch options of a chunk PUT (besides its headers and body). fetch copies every piece of a
 * body it may have to send again for a redirect (it tees the stream); a chunk is never
 * redirected, so it is sent as read.
 */
export const CHUNK_PUT = { method: 'PUT', redirect: 'error' } as const satisfies RequestInit;

/** Bytes per piece of a streamed chunk body. */
const BODY_PIECE = 1024 * 1024;

/**
 * `length` bytes of `path` from `offset` as a web stream of fresh 1 MiB pieces, handed to fetch
 * as they are. (A Node stream as the body is converted by fetch, which copies every piece into a
 * new Uint8Array; the pieces are not reused because the socket may still hold them.)
 */
export function chunkBody(path: string, offset: number, length: number): ReadableStream<Uint8Array> {
  let fh: FileHandle | undefined;
  let at = 0;
  const close = async (): Promise<void> => {
    const h = fh;
    fh = undefined;
    await h?.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (at >= length) {
          await close();
          controller.close();
          return;
        }
        fh ??= await open(path, 'r');
        const piece = Buffer.allocUnsafeSlow(Math.min(BODY_PIECE, length - at));
        const { bytesRead } = await fh.read(piece, 0, piece.length, offset + at);
        if (bytesRead === 0)
          throw new FerryError('FERRY_E_IO', `${path} became shorter while uploading it; capture the store again.`, { details: { path } });
        at += bytesRead;
        controller.enqueue(bytesRead === piece.length ? piece : piece.subarray(0, bytesRead));
      } catch (err) {
        await close().catch(() => {});
        controller.error(err);
      }
    },
    cancel: close,
  });
}

async function readChunk(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0)
        throw new FerryError('FERRY_E_IO', `${path} became shorter while uploading it; capture the store again.`, { details: { path } });
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * Run `fn` over `items`, `width` at a time. After a failure no new item starts, and the first
 * error is thrown only once every item in flight has settled: a resumed upload never overlaps
 * requests of the attempt that failed.
 */
async function runPool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}
