// Writing the sample volume's tree: files with deterministic content and modification times,
// names kept unique ignoring case (as on NTFS, Explorer-style " (2)" suffix), symlinks standing
// in for junctions, hard links, read-only files, and Windows attributes stored the way Samba
// stores them on Linux file systems (xattr `user.DOSATTRIB` = "0x<hex>").
import {
  chmodSync,
  closeSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { MAGIC, randomStream, rng, sha256, textContent, type Rng } from './random.ts';

/** text: word text; rand: incompressible; mixed: alternating 16 KiB blocks; zero; sparse: a hole (no disk blocks). */
export type Content = 'text' | 'rand' | 'mixed' | 'zero' | 'sparse' | Buffer;

export interface TreeStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
  sparseBytes: number;
  readOnly: number;
  longPaths: number;
  unicodeNames: number;
  /** Entries given hidden/system attributes, or null when the file system takes no user xattrs. */
  attributes: number | null;
}

const T0 = 1451606400; // file mtimes between 2016 and 2024
const TSPAN = 8 * 365 * 86400;
const TDIR = 1704067200; // folders and links: 2024-01-01
const CHUNK = 1 << 20;
const MIXBLK = 16384;

export class Tree {
  readonly stats: TreeStats = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    bytes: 0,
    sparseBytes: 0,
    readOnly: 0,
    longPaths: 0,
    unicodeNames: 0,
    attributes: 0,
  };
  readonly #dirs = new Set<string>(['.']);
  readonly #used = new Set<string>();
  readonly #symlinks: string[] = [];
  readonly root: string;
  readonly seed: string;
  readonly r: Rng;

  readonly #hives: boolean;

  constructor(root: string, seed: string, r: Rng, hives = true) {
    this.#hives = hives;
    this.root = root;
    this.seed = seed;
    this.r = r;
  }

  /** A hive's bytes, or 64 KiB of zeros when the volume is made without hives. */
  hivesOrPlaceholder(make: () => Buffer): Buffer {
    return this.#hives ? make() : Buffer.alloc(65536);
  }

  mkdirp(rel: string): void {
    if (this.#dirs.has(rel)) return;
    this.mkdirp(dirname(rel));
    mkdirSync(join(this.root, rel));
    this.#dirs.add(rel);
    this.#used.add(rel.toLowerCase());
    this.stats.dirs++;
  }

  #unique(rel: string): string {
    const ext = extname(rel);
    const stem = rel.slice(0, rel.length - ext.length);
    let r = rel;
    for (let i = 2; this.#used.has(r.toLowerCase()); i++) r = `${stem} (${i})${ext}`;
    this.#used.add(r.toLowerCase());
    return r;
  }

  /** Write one file; returns the relative path actually used (unique ignoring case). */
  put(relWanted: string, bytes: number, kind: Content = 'text'): string {
    let size = Math.round(bytes);
    const rel = this.#unique(relWanted);
    this.mkdirp(dirname(rel));
    const abs = join(this.root, rel);
    if (Buffer.isBuffer(kind)) {
      writeFileSync(abs, kind);
      size = kind.length;
    } else if (kind === 'sparse') {
      closeSync(openSync(abs, 'w'));
      truncateSync(abs, size);
      this.stats.sparseBytes += size;
    } else {
      this.#writeContent(abs, rel, size, kind);
    }
    if (kind !== 'sparse') this.stats.bytes += size;
    this.stats.files++;
    if (`C:\\${rel}`.length > 260) this.stats.longPaths++;
    if (/[^\x00-\x7f]/.test(basename(rel))) this.stats.unicodeNames++;
    const t = T0 + this.r.int(0, TSPAN);
    utimesSync(abs, t, t);
    return rel;
  }

  #writeContent(abs: string, rel: string, size: number, kind: 'text' | 'rand' | 'mixed' | 'zero'): void {
    const key = sha256(`${this.seed}\0${rel}`);
    const rand = randomStream(key);
    const tr = rng(key.readUInt32LE(16));
    const magic = MAGIC[extname(rel).slice(1).toLowerCase()];
    const fd = openSync(abs, 'w');
    try {
      const blk = kind === 'mixed' ? MIXBLK : CHUNK;
      for (let off = 0, i = 0; off < size; i++) {
        const n = Math.min(blk, size - off);
        let buf: Buffer;
        if (kind === 'zero') buf = Buffer.alloc(n);
        else if (kind === 'text' || (kind === 'mixed' && i % 2 === 0)) buf = textContent(n, tr);
        else buf = rand(n);
        if (off === 0 && kind !== 'zero' && kind !== 'text' && magic) magic.copy(buf, 0, 0, Math.min(n, magic.length));
        writeSync(fd, buf);
        off += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** A text file with CRLF line ends. */
  putText(rel: string, text: string): string {
    return this.put(rel, 0, Buffer.from(text.replace(/\n/g, '\r\n')));
  }

  readOnly(rel: string): void {
    chmodSync(join(this.root, rel), 0o444);
    this.stats.readOnly++;
  }

  /** A Windows junction or symlink, as a relative symlink so the tree can move. */
  symlink(rel: string, target: string): void {
    this.mkdirp(dirname(rel));
    symlinkSync(target, join(this.root, rel));
    this.#used.add(rel.toLowerCase());
    this.#symlinks.push(rel);
    this.stats.symlinks++;
  }

  hardlink(relWanted: string, existing: string): void {
    const rel = this.#unique(relWanted);
    this.mkdirp(dirname(rel));
    linkSync(join(this.root, existing), join(this.root, rel));
    this.stats.hardlinks++;
  }

  /** Spend `budget` bytes on files of log-uniform size in [lo, hi]; `fn(size)` writes one. */
  fill(budget: number, lo: number, hi: number, fn: (size: number) => void): void {
    for (let left = budget; left >= lo / 2 && left > 0; ) {
      const s = Math.min(this.r.logu(lo, hi), left);
      fn(s);
      left -= s;
    }
  }

  /** Set hidden/system attributes where Windows sets them, then fix folder and link times (deepest first). */
  finish(): void {
    this.#setAttributes();
    for (const s of this.#symlinks) lutimesSync(join(this.root, s), TDIR, TDIR);
    for (const d of [...this.#dirs].sort((a, b) => b.split('/').length - a.split('/').length)) utimesSync(join(this.root, d), TDIR, TDIR);
  }

  #setAttributes(): void {
    const walk = (rel: string): void => {
      for (const e of readdirSync(join(this.root, rel), { withFileTypes: true })) {
        if (e.isSymbolicLink()) continue;
        const r = rel === '.' ? e.name : `${rel}/${e.name}`;
        const a = attributeOf(r, e.isDirectory());
        if (a && this.stats.attributes !== null) {
          try {
            setAttributeSync(join(this.root, r), 'user.DOSATTRIB', a);
            this.stats.attributes++;
          } catch {
            this.stats.attributes = null; // the file system takes no user xattrs (e.g. tmpfs on old kernels)
          }
        }
        if (e.isDirectory()) walk(r);
      }
    };
    walk('.');
  }
}

const HS_FILE = '0x26'; // hidden, system, archive
const H_FILE = '0x22'; // hidden, archive
const HS_DIR = '0x16'; // hidden, system, directory
const H_DIR = '0x12'; // hidden, directory

function attributeOf(rel: string, isDir: boolean): string | null {
  const name = basename(rel).toLowerCase();
  const top = !rel.includes('/');
  if (isDir) {
    if (top && (name === '$recycle.bin' || name === 'system volume information')) return HS_DIR;
    if (top && name === 'programdata') return H_DIR;
    if (/^users\/[^/]+\/appdata$/i.test(rel)) return H_DIR;
    return null;
  }
  if (name === 'desktop.ini') return HS_FILE;
  if (top && /^(pagefile\.sys|hiberfil\.sys|swapfile\.sys|bootmgr|bootnxt|dumpstack\.log\.tmp)$/.test(name)) return HS_FILE;
  if (/^ntuser\.(dat|ini|pol)|^ntuser\.dat\{/.test(name)) return H_FILE;
  return null;
}
