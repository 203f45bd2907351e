// Deterministic randomness and file contents for the sample volume: a small PRNG (mulberry32)
// for names, sizes and choices; word text for compressible files; AES-CTR keystream for
// incompressible ones (photos, archives, caches), with the file type's magic bytes in front.
import { createCipheriv, createHash } from 'node:crypto';

export interface Rng {
  u32(): number;
  /** Uniform in [0, 1). */
  f(): number;
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** Log-uniform integer in [lo, hi]: many small values, a few large ones. */
  logu(lo: number, hi: number): number;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const f = (): number => u32() / 4294967296;
  return {
    u32,
    f,
    int: (lo, hi) => lo + Math.floor(f() * (hi - lo + 1)),
    chance: (p) => f() < p,
    pick: (xs) => xs[Math.floor(f() * xs.length)]!,
    logu: (lo, hi) => Math.round(lo * (hi / lo) ** f()),
  };
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

// Word list for compressible "office" text (a few non-ASCII words so the text is real UTF-8).
export const TEXT_WORDS = `the of and to in a is that for it as was with be by on not he this are or his from at which
but have an they you were her she there been one all we their has would when if so no will can more about
report budget meeting project customer invoice quarter revenue review draft final team schedule contract
please regards thanks attached update status deadline approval policy network printer server account
migration profile desktop settings document agenda minutes action item owner risk issue plan forecast
sales marketing support ticket order delivery payment supplier warehouse inventory training onboarding
Größe Straße café naïve résumé façade Ærø 会議 報告 données über März`
  .split(/\s+/)
  .filter(Boolean);
export const NAME_WORDS = TEXT_WORDS.filter((w) => /^[a-z]{4,}$/.test(w));
const WORD_BYTES = TEXT_WORDS.map((w) => Buffer.from(w));

/** n bytes of Zipf-ish word text in CRLF lines (compresses about 3-4x with zstd). */
export function textContent(n: number, r: Rng): Buffer {
  const b = Buffer.allocUnsafe(n);
  let o = 0;
  let line = 0;
  while (o < n) {
    const w = WORD_BYTES[Math.floor(r.f() ** 2 * WORD_BYTES.length)]!;
    o += w.copy(b, o, 0, Math.min(w.length, n - o));
    line += w.length + 1;
    if (o < n) {
      b[o++] = line > 72 ? 10 : 32;
      if (line > 72) line = 0;
    }
  }
  return b;
}

const ZERO = Buffer.alloc(1 << 20);
/** Incompressible bytes: AES-128-CTR keystream keyed per file (fast and deterministic). */
export function randomStream(key: Buffer): (n: number) => Buffer {
  const c = createCipheriv('aes-128-ctr', key.subarray(0, 16), Buffer.alloc(16));
  return (n) => {
    const parts: Buffer[] = [];
    for (let left = n; left > 0; left -= ZERO.length) parts.push(c.update(ZERO.subarray(0, Math.min(left, ZERO.length))));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
}

/** The first bytes of common file types, so content sniffers see what the extension says. */
export const MAGIC: Readonly<Record<string, Buffer>> = Object.fromEntries(
  Object.entries({
    'jpg jpeg': 'ffd8ffe000104a46494600',
    png: '89504e470d0a1a0a',
    gif: '474946383961',
    'mp4 m4a': '000000206674797069736f6d',
    mov: '0000001466747970717420',
    'zip 7z docx xlsx pptx': '504b0304',
    mp3: '494433',
    pdf: '255044462d312e370a',
    'exe dll sys drv': '4d5a90000300000004000000',
    'sqlite db': '53514c69746520666f726d6174203300',
    'ost pst': '2142444e',
  }).flatMap(([exts, hex]) => exts.split(' ').map((x) => [x, Buffer.from(hex, 'hex')] as const)),
);
