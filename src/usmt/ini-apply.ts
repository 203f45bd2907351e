// LoadState's INI settings: collected while the store is read, then written one file at a time,
// each file read once, edited in place (its encoding, line ends and other lines kept) and
// replaced atomically, so a failure never leaves a half-written INI file on the target.
import { lstat } from 'node:fs/promises';
import { FerryError } from '../errors/index.ts';
import { writeFileAtomic } from '../files/index.ts';
import { emptyIni, encodeIni, iniValue, readIniFile, setIniValue, splitIniLocation } from '../migxml/index.ts';
import { compareRegistryValues } from '../migxml/index.ts';
import { resolveCollision } from '../migxml/index.ts';
import type { ScriptCall } from '../migxml/index.ts';
import type { TargetVolume } from '../volume/index.ts';

interface PendingSetting {
  /** Encoded location on the source, for the log. */
  readonly from: string;
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly merge?: ScriptCall;
}

export interface IniFileResult {
  readonly file: string;
  readonly applied: string[];
  /** Settings the destination kept (a merge rule such as DestinationPriority). */
  readonly kept: string[];
}

export class IniApplier {
  readonly #target: TargetVolume;
  /** By lower-cased destination file: its Windows path and the settings for it, in store order. */
  readonly #files = new Map<string, { file: string; settings: PendingSetting[] }>();

  constructor(target: TargetVolume) {
    this.#target = target;
  }

  /** Queue one setting for its destination `C:\dir\f.ini|Section[Key]`; false when that is not an INI location. */
  add(from: string, dest: string, value: string, merge?: ScriptCall): boolean {
    const loc = splitIniLocation(dest);
    if (!loc) return false;
    const id = loc.file.toLowerCase();
    let f = this.#files.get(id);
    if (!f) this.#files.set(id, (f = { file: loc.file, settings: [] }));
    f.settings.push({ from, section: loc.section, key: loc.key, value, ...(merge ? { merge } : {}) });
    return true;
  }

  /** Destination files with settings queued, as Windows paths. */
  files(): string[] {
    return [...this.#files.values()].map((f) => f.file);
  }

  /**
   * Write the queued settings of one file. An existing setting is overwritten (settings collide
   * as registry values do, §6.6) unless the most specific merge rule keeps the destination's.
   */
  async apply(file: string): Promise<IniFileResult> {
    const pending = this.#files.get(file.toLowerCase());
    const result: IniFileResult = { file, applied: [], kept: [] };
    if (!pending) return result;
    const parent = file.slice(0, file.lastIndexOf('\\'));
    if (parent) await this.#target.ensureDir(parent);
    const host = this.#target.mapPath(file).hostPath;
    const existing = await readIniFile(host);
    if (!existing && (await lstat(host).catch(() => null))) {
      throw new FerryError(
        'FERRY_E_USMT_RESTORE_FAILED',
        `${file} exists on the target but is not a readable INI file (a folder, unreadable, or over 16 ` +
          `MiB): its settings are not applied. Fix or remove it and run LoadState again.`,
        { details: { path: file } },
      );
    }
    let doc = existing ?? emptyIni();
    for (const s of pending.settings) {
      const current = iniValue(doc, s.section, s.key);
      const outcome = resolveCollision({
        kind: 'registry',
        path: file,
        ...(s.merge ? { merge: s.merge } : {}),
        exists: () => current !== null,
        compare: () => compareStrings(s.value, current),
      });
      if (outcome.action === 'skip') {
        result.kept.push(s.from);
        continue;
      }
      setIniValue(doc, s.section, s.key, s.value);
      result.applied.push(s.from);
    }
    if (!result.applied.length) return result;
    // A new file is ANSI while that holds its text, else UTF-16LE (what Windows' W profile API reads); an existing file keeps its encoding.
    if (!existing && doc.lines.some((l) => /[^\x00-\x7f]/.test(l))) doc = { ...doc, encoding: 'utf16le' };
    writeFileAtomic(host, encodeIni(doc), { mode: 0o644 });
    if (!existing) this.#target.noteCreated(host);
    return result;
  }
}

/** HigherValue / LowerValue on INI settings: both sides as numbers (REG_SZ-like strings). */
function compareStrings(source: string, current: string | null): number {
  const sz = (v: string) => ({ type: 1, raw: Buffer.from(`${v}\0`, 'utf16le') });
  return current === null ? 0 : compareRegistryValues(sz(source), sz(current));
}
