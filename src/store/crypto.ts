// Store encryption (docs/store-format.md §4): scrypt → HKDF → AES-256-GCM, with nonces built
// from (domain, session, counter) so that no two sealed things in one store share a nonce.
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes, scrypt, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FerryError, fromSystemError } from '../errors/index.ts';

export interface KdfParams {
  readonly name: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
  /** base64, 16 random bytes per store. */
  readonly salt: string;
}

export const NONCE_DOMAIN = { keyCheck: 0, frame: 1, journal: 2 } as const;
export const TAG_LENGTH = 16;
export const MAX_SESSION = 0xffffff;
/** The AlgIDs USMT accepts for `/encrypt` and `/decrypt` (spec/usmt-cli.md §2.1); 3DES is its default. */
export const USMT_ALG_IDS = ['AES', 'AES_128', 'AES_192', 'AES_256', '3DES', '3DES_112'] as const;
export const DEFAULT_ALG_ID = '3DES';

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', N: 32768, r: 8, p: 1, keyLength: 32, salt: randomBytes(16).toString('base64') };
}

/**
 * What a store header may ask of scrypt: what `newKdfParams` writes (N=2^15, r=8, p=1) with a
 * margin of one step each way. scrypt costs 128·N·r bytes and N·r·p work, so a header that asked
 * for more (N=2^20, r=16, p=16 is 2 GiB and seconds of CPU per attempt) would let whoever can
 * hand us a store file exhaust the machine before any integrity check can run.
 */
export const KDF_LIMITS = { minN: 1 << 14, maxN: 1 << 16, maxR: 8, maxP: 2, saltBytes: 16 } as const;

/** Refuse key-derivation parameters Ferry never writes, before any work is spent on them. */
export function checkKdfParams(kdf: unknown, path?: string): asserts kdf is KdfParams {
  const k = (kdf ?? {}) as Partial<KdfParams>;
  const int = (v: unknown, lo: number, hi: number): boolean => Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const saltOk = typeof k.salt === 'string' && k.salt.length <= 64 && Buffer.from(k.salt, 'base64').length === KDF_LIMITS.saltBytes;
  const ok =
    typeof kdf === 'object' &&
    kdf !== null &&
    k.name === 'scrypt' &&
    k.keyLength === 32 &&
    int(k.N, KDF_LIMITS.minN, KDF_LIMITS.maxN) &&
    (k.N! & (k.N! - 1)) === 0 &&
    int(k.r, 1, KDF_LIMITS.maxR) &&
    int(k.p, 1, KDF_LIMITS.maxP) &&
    saltOk;
  if (!ok) {
    const where = path ? `The store ${path}` : 'The store';
    throw new FerryError(
      'FERRY_E_STORE_KDF_PARAMS',
      `${where} asks for key-derivation parameters Ferry never writes (scrypt N ${KDF_LIMITS.minN}–${KDF_LIMITS.maxN}, r ` +
        `≤ ${KDF_LIMITS.maxR}, p ≤ ${KDF_LIMITS.maxP}, 16-byte salt); its header was altered. Do not restore from it.`,
      { details: { ...(path ? { path } : {}), kdf: typeof kdf === 'object' ? kdf : String(kdf) } },
    );
  }
}

/** The passphrase or key file text as bytes; an empty key is refused as USMT does. */
function secretBytes(secret: Buffer | string): Buffer {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (b.length === 0) throw new FerryError('FERRY_E_STORE_KEYFILE', 'The encryption key must have at least one character.');
  return b;
}

/** The AES-256-GCM key of a store, as a KeyObject (cheaper per cipher than raw bytes). */
export async function deriveStoreKey(secret: Buffer | string, kdf: KdfParams, storeId: Buffer): Promise<KeyObject> {
  checkKdfParams(kdf);
  const salt = Buffer.from(kdf.salt, 'base64');
  const master = await new Promise<Buffer>((ok, fail) =>
    scrypt(secretBytes(secret), salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 }, (err, key) =>
      err ? fail(err) : ok(key),
    ),
  );
  return createSecretKey(Buffer.from(hkdfSync('sha256', master, storeId, 'ferry-store-v1 aes-256-gcm', 32)));
}

export function nonce(domain: number, session: number, counter: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(((domain << 24) | session) >>> 0, 0);
  n.writeBigUInt64BE(BigInt(counter), 4);
  return n;
}

/** Encrypt: [ciphertext, tag] (kept apart so large payloads are not copied again). */
export function sealParts(key: KeyObject, iv: Buffer, aad: Buffer, plaintext: Buffer): [Buffer, Buffer] {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = c.update(plaintext);
  c.final();
  return [body, c.getAuthTag()];
}

export function seal(key: KeyObject, iv: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  return Buffer.concat(sealParts(key, iv, aad, plaintext));
}

/** The plaintext, or null when the tag does not verify (wrong key or altered bytes). */
export function unseal(key: KeyObject, iv: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG_LENGTH) return null;
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const body = d.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
  try {
    d.final();
  } catch {
    return null;
  }
  return body;
}

/** Bytes decrypted per call by unsealInPlace: each call's output is freed at once, so the same warm memory serves the next. */
const IN_PLACE_PIECE = 64 * 1024;

/**
 * unseal, with the plaintext written over the sealed bytes: no buffer of the frame's size per
 * call (a fresh multi-MiB output cost page faults and 3–4× the CPU of the decryption itself,
 * measured). GCM emits exactly as many bytes as it takes, so each piece lands where it was read.
 * `sealed` holds garbage when the tag does not verify.
 */
export function unsealInPlace(key: KeyObject, iv: Buffer, aad: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG_LENGTH) return null;
  const end = sealed.length - TAG_LENGTH;
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(end));
  for (let at = 0; at < end; at += IN_PLACE_PIECE) {
    const out = d.update(sealed.subarray(at, Math.min(end, at + IN_PLACE_PIECE)));
    out.copy(sealed, at);
    // Freed now (a transfer to no bytes detaches it): garbage of the frame's size per frame drove
    // garbage collection and peak RSS. Only a buffer of its own, never a shared pool's.
    if (out.byteOffset === 0 && out.buffer.byteLength === out.length && out.buffer instanceof ArrayBuffer) out.buffer.transfer(0);
  }
  try {
    d.final();
  } catch {
    return null;
  }
  return sealed.subarray(0, end);
}

const KEYCHECK_AAD = Buffer.from('ferry-keycheck');

export function makeKeyCheck(key: KeyObject, storeId: Buffer): string {
  return seal(key, nonce(NONCE_DOMAIN.keyCheck, 0, 0), Buffer.concat([storeId, KEYCHECK_AAD]), Buffer.alloc(16)).toString('base64');
}

export function keyMatches(key: KeyObject, storeId: Buffer, keyCheck: string): boolean {
  return unseal(key, nonce(NONCE_DOMAIN.keyCheck, 0, 0), Buffer.concat([storeId, KEYCHECK_AAD]), Buffer.from(keyCheck, 'base64')) !== null;
}

export function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The key in a `/keyfile:` text file: its first line, without the line ending. */
export async function readKeyFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const sys = fromSystemError(err, 'reading the /keyfile');
    throw new FerryError(
      'FERRY_E_STORE_KEYFILE',
      `Error accessing the file specified by the /keyfile parameter (${path}): ${sys.message}`,
      { cause: err, details: { path } },
    );
  }
  const key = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  if (key.length === 0)
    throw new FerryError('FERRY_E_STORE_KEYFILE', `The key file ${path} holds no key; its first line must be the key.`, {
      details: { path },
    });
  return key;
}
