// wimlib (Debian `wimtools`) as child processes: `wiminfo` reads the images of a WIM, `wimapply`
// extracts one onto a folder or, given a block device or image file, onto an NTFS volume through
// wimlib's NTFS mode (attributes, security descriptors and short names come through). Errors
// are coded before anything is touched: a missing file, a file that is not a WIM, a missing index.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { FerryError } from '../errors/index.ts';

/** One image of a WIM file, as `wiminfo` lists it. */
export interface WimImage {
  index: number;
  name: string;
  description: string;
  /** Edition (`Edition ID`, else the image's `Flags`, e.g. Professional). */
  edition: string;
  /** `x86`, `x86_64`, `ARM64`… when the image holds a Windows installation wimlib recognises. */
  architecture: string;
  /** Total bytes of the image's files. */
  size: number;
  fileCount: number;
}

interface Result {
  code: number | null;
  out: string;
}

function run(tool: string, args: string[], onLine?: (line: string) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    let out = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out += text;
      if (out.length > 1_000_000) out = out.slice(-500_000);
      pending += text;
      const lines = pending.split(/\r\n|\r|\n/);
      pending = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') onLine?.(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        reject(
          new FerryError(
            'FERRY_E_OSIMAGE_WIMLIB_MISSING',
            `${tool} is not installed; install wimlib (Debian package wimtools: scripts/install-system-deps.sh).`,
            { details: { tool } },
          ),
        );
      else reject(err);
    });
    child.on('close', (code) => {
      if (pending.trim() !== '') onLine?.(pending);
      resolve({ code, out });
    });
  });
}

/** The images of a WIM file; coded errors for a missing file and a file wimlib cannot read. */
export async function wimInfo(path: string): Promise<WimImage[]> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_NOT_FOUND',
      `The operating system image ${path} does not exist or is not a file; check the image package's source path.`,
      { details: { path } },
    );
  }
  const r = await run('wiminfo', [path]);
  if (r.code !== 0) {
    const why = /ERROR[^\n]*\n\s*([^\n]+)/.exec(r.out)?.[1]?.trim() ?? r.out.trim().split('\n')[0];
    throw new FerryError(
      'FERRY_E_OSIMAGE_CORRUPT',
      `${path} is not a readable WIM file (wiminfo exit ${r.code}: ${why}); capture it again or copy it again from its source.`,
      { details: { path, code: r.code } },
    );
  }
  return parseWimInfo(r.out);
}

/** Parse `wiminfo` output (the "Available Images" part: `Key: value` blocks starting at `Index:`). */
export function parseWimInfo(text: string): WimImage[] {
  const images: WimImage[] = [];
  const start = text.indexOf('Available Images:');
  let cur: Record<string, string> | undefined;
  const flush = () => {
    if (!cur) return;
    images.push({
      index: Number(cur['index']),
      name: cur['name'] ?? '',
      description: cur['description'] ?? '',
      edition: cur['edition id'] ?? cur['flags'] ?? '',
      architecture: cur['architecture'] ?? '',
      size: Number(cur['total bytes'] ?? 0),
      fileCount: Number(cur['file count'] ?? 0),
    });
  };
  for (const line of text.slice(start < 0 ? 0 : start).split('\n')) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'index') {
      flush();
      cur = {};
    }
    if (cur && !(key in cur)) cur[key] = m[2]!.trim();
  }
  flush();
  return images.filter((i) => Number.isInteger(i.index) && i.index > 0);
}

/** The image at `index`, or the coded error a missing index is. */
export async function wimImage(path: string, index: number): Promise<WimImage> {
  const images = await wimInfo(path);
  const image = images.find((i) => i.index === index);
  if (!image) {
    throw new FerryError(
      'FERRY_E_OSIMAGE_INDEX_MISSING',
      `${path} has no image ${index} (it ` +
        `holds ${images.map((i) => `${i.index} "${i.name}"`).join(', ') || 'no images'}); set the step's ` +
        `image index (OSDImageIndex) to one of them.`,
      {
        details: { path, index, available: images.map((i) => i.index) },
      },
    );
  }
  return image;
}

/**
 * Extract image `index` of `wim` onto `target`: a folder (normal mode) or a block device / NTFS
 * image file (NTFS mode). Each output line goes to `onLine`; a failure is FERRY_E_OSIMAGE_APPLY_FAILED.
 */
export async function wimApply(wim: string, index: number, target: string, onLine?: (line: string) => void): Promise<void> {
  const r = await run('wimapply', [wim, String(index), target], onLine);
  if (r.code !== 0) {
    const last = r.out
      .trim()
      .split('\n')
      .filter((l) => /error/i.test(l))
      .slice(-2)
      .join(' ')
      .trim();
    throw new FerryError(
      'FERRY_E_OSIMAGE_APPLY_FAILED',
      `wimapply of image ${index} from ${wim} onto ${target} failed (exit ${r.code}): ${last || 'see smsts.log'}.`,
      { details: { wim, index, target, code: r.code } },
    );
  }
}
