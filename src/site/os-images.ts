// Operating system image packages (Software Library › Operating Systems › Operating System
// Images): a WIM registered by its path on the site or uploaded into the site's data folder,
// read with `wiminfo` (index, name, edition, architecture, size). The package row holds the
// file (`source` = `file:<path>`); a sidecar `<dataDir>/os-images/<id>.json` caches the images
// and the file's SHA-256, which agents check after a (resumable) download.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors/index.ts';
import { sha256File } from '../smp/index.ts';
import { wimInfo, type WimImage } from '../tasksequence/index.ts';

/** The package records an image package is kept in (the site repository implements it). */
export interface PackageRecords {
  createPackage(p: { name: string; description: string; kind: string; source: string }): Promise<string>;
  setPackageSource(id: string, source: string): Promise<void>;
  listPackages(): Promise<{ id: string; name: string; description: string; kind: string; source: string }[]>;
  deletePackage(id: string): Promise<void>;
}

export interface OsImagePackage {
  id: string;
  name: string;
  description: string;
  /** The WIM file on the site. */
  path: string;
  size: number;
  sha256: string;
  images: WimImage[];
  /** Set when the file is gone or unreadable since it was registered. */
  error?: string;
}

interface Sidecar {
  size: number;
  mtimeMs: number;
  sha256: string;
  images: WimImage[];
}

export const OS_IMAGE_KIND = 'osimage';

/** The site's operating system image packages: register, upload, list and delete WIMs. */
export class OsImages {
  readonly #repo: PackageRecords;
  readonly #dir: string;

  constructor(repo: PackageRecords, dataDir: string) {
    this.#repo = repo;
    this.#dir = join(dataDir, 'os-images');
  }

  /** Register a WIM the site can read; refused (nothing saved) when it is missing or not a WIM. */
  async register(p: { name: string; description?: string; path: string }): Promise<OsImagePackage> {
    if (!isAbsolute(p.path))
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Give the image's full path on the site server (got ${p.path}).`);
    const path = resolve(p.path);
    const facts = await this.#read(path);
    const id = await this.#repo.createPackage({
      name: p.name,
      description: p.description ?? '',
      kind: OS_IMAGE_KIND,
      source: `file:${path}`,
    });
    this.#writeSidecar(id, facts);
    return (await this.get(id))!;
  }

  /** Store an uploaded WIM in the site's data folder, then register it. */
  async upload(p: { name: string; description?: string }, body: Readable): Promise<OsImagePackage> {
    mkdirSync(this.#dir, { recursive: true });
    const tmp = join(this.#dir, `upload-${process.pid}-${Date.now()}.part`);
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
      const facts = await this.#read(tmp);
      const id = await this.#repo.createPackage({ name: p.name, description: p.description ?? '', kind: OS_IMAGE_KIND, source: 'upload' });
      const path = join(this.#dir, `${id}.wim`);
      renameSync(tmp, path);
      await this.#repo.setPackageSource(id, `file:${path}`);
      this.#writeSidecar(id, { ...facts, mtimeMs: statSync(path).mtimeMs });
      return (await this.get(id))!;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  async list(): Promise<OsImagePackage[]> {
    const rows = (await this.#repo.listPackages()).filter((r) => r.kind === OS_IMAGE_KIND);
    return Promise.all(rows.map((r) => this.#describe(r)));
  }

  async get(id: string): Promise<OsImagePackage | undefined> {
    const row = (await this.#repo.listPackages()).find((r) => r.id === id && r.kind === OS_IMAGE_KIND);
    return row ? this.#describe(row) : undefined;
  }

  /** Delete the package and, when it was uploaded, its file. */
  async remove(id: string): Promise<void> {
    const pkg = await this.get(id);
    await this.#repo.deletePackage(id);
    if (pkg && resolve(pkg.path).startsWith(resolve(this.#dir))) rmSync(pkg.path, { force: true });
    rmSync(join(this.#dir, `${id}.json`), { force: true });
  }

  async #describe(row: { id: string; name: string; description: string; source: string }): Promise<OsImagePackage> {
    const path = row.source.replace(/^file:/, '');
    const base = { id: row.id, name: row.name, description: row.description, path };
    try {
      const st = statSync(path);
      let side = this.#readSidecar(row.id);
      if (!side || side.size !== st.size || side.mtimeMs !== st.mtimeMs) {
        side = await this.#read(path);
        this.#writeSidecar(row.id, side);
      }
      return { ...base, size: side.size, sha256: side.sha256, images: side.images };
    } catch (err) {
      return {
        ...base,
        size: 0,
        sha256: '',
        images: [],
        error: err instanceof FerryError ? err.message : `${path}: ${(err as Error).message}`,
      };
    }
  }

  async #read(path: string): Promise<Sidecar> {
    const images = await wimInfo(path);
    const st = statSync(path);
    return { size: st.size, mtimeMs: st.mtimeMs, sha256: await sha256File(path), images };
  }

  #readSidecar(id: string): Sidecar | undefined {
    const file = join(this.#dir, `${id}.json`);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
  }

  #writeSidecar(id: string, s: Sidecar): void {
    mkdirSync(this.#dir, { recursive: true });
    writeFileSync(join(this.#dir, `${id}.json`), JSON.stringify(s));
  }
}
