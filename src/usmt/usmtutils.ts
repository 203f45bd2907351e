// UsmtUtils (spec/usmt-cli.md §4): /verify a store, /extract files from it into a folder (never
// outside it), /rd a hard-link store (and nothing else), /ec the algorithms /encrypt accepts.
import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isFerryError } from '../errors/index.ts';
import { deleteHardlinkStore, driveRelative, openStore, readKeyFile, safeJoin, USMT_ALG_IDS, type StoreReader } from '../store/index.ts';
import type { RunContext } from './cli-runner.ts';
import { restoreFile } from './restore-file.ts';
import { compileGlob } from '../migxml/index.ts';
import { USMT_SUCCESS, usmtError } from './usmt-error.ts';
import type { UsmtUtilsOptions } from './usmtutils-options.ts';
import { terminal } from '../events/index.ts';

const USMT_ERROR_CORRUPTED_STORE = 42;

/** Runs one UsmtUtils command; `write` receives the report lines (stdout for the CLI). */
export async function usmtUtils(
  options: UsmtUtilsOptions,
  ctx: RunContext,
  write: (line: string) => void = (l) => terminal().stdout.write(`${l}\n`),
): Promise<number> {
  switch (options.command) {
    case 'ec':
      write('Encryption algorithms accepted by /encrypt and /decrypt:');
      for (const id of USMT_ALG_IDS) write(`  ${id}`);
      write('Ferry encrypts every store with AES-256-GCM; the AlgID given is recorded in the store for information.');
      return USMT_SUCCESS;
    case 'rd':
      return removeStore(options.storeDir, options.noPrompt, ctx, write);
    case 'verify':
      return verify(options, ctx, write);
    case 'extract':
      return extract(options, ctx, write);
  }
}

async function open(file: string, options: UsmtUtilsOptions): Promise<StoreReader> {
  const d = options.decryption;
  const key = d ? ('key' in d.keySource ? d.keySource.key : await readKeyFile(resolve(d.keySource.keyFile))) : undefined;
  return openStore(resolve(file), key === undefined ? {} : { key });
}

async function verify(
  options: Extract<UsmtUtilsOptions, { command: 'verify' }>,
  ctx: RunContext,
  write: (line: string) => void,
): Promise<number> {
  let reader: StoreReader;
  try {
    reader = await open(options.file, options);
  } catch (err) {
    // A store whose catalog or trailer cannot be authenticated is reported as a corrupted catalog.
    if (
      isFerryError(err, 'FERRY_E_STORE_TAMPERED') ||
      isFerryError(err, 'FERRY_E_STORE_TRUNCATED') ||
      isFerryError(err, 'FERRY_E_STORE_KDF_PARAMS')
    ) {
      write('CATALOG\tCORRUPTED');
      ctx.log?.error(`${err.code}: ${err.message}`, USMT_ERROR_CORRUPTED_STORE);
      return USMT_ERROR_CORRUPTED_STORE;
    }
    throw err;
  }
  try {
    const report = await reader.verify(options.report);
    const catalog = `CATALOG\t${report.catalogOk ? 'OK' : 'CORRUPTED'}`;
    switch (options.report) {
      case 'summary':
        write(`Number of intact files: ${report.intact}`);
        write(`Number of corrupted files: ${report.corrupted}`);
        write(catalog);
        break;
      case 'all':
        for (const r of report.results) write(`${r.winPath}\t${r.ok ? 'OK' : 'CORRUPTED'}`);
        write(catalog);
        break;
      case 'failureonly':
        for (const r of report.results) write(`${r.winPath}\tCORRUPTED`);
        if (!report.catalogOk) write(catalog);
        break;
      case 'catalog':
        write(catalog);
        break;
    }
    for (const r of report.results) if (!r.ok) ctx.log?.error(`${r.winPath}: ${r.code}: ${r.message}`);
    if (report.catalogError) ctx.log?.error(`CATALOG: ${report.catalogError.code}: ${report.catalogError.message}`);
    ctx.log?.info(
      `Verified ${report.files} files: ${report.intact} ` +
        `intact, ${report.corrupted} corrupted; ` +
        `catalog ${report.catalogOk ? 'OK' : 'CORRUPTED'}`,
    );
    return report.corrupted > 0 || !report.catalogOk ? USMT_ERROR_CORRUPTED_STORE : USMT_SUCCESS;
  } finally {
    await reader.close();
  }
}

/** `/i:` and `/e:` are plain file-name patterns (a pattern with `\` is matched against the whole path). */
function matches(patterns: readonly string[], winPath: string): boolean {
  const name = winPath.slice(winPath.lastIndexOf('\\') + 1);
  return patterns.some((p) => compileGlob(p)((p.includes('\\') ? winPath : name).toLowerCase()));
}

async function extract(
  options: Extract<UsmtUtilsOptions, { command: 'extract' }>,
  ctx: RunContext,
  write: (line: string) => void,
): Promise<number> {
  const destination = resolve(options.destination);
  const reader = await open(options.file, options);
  let extracted = 0;
  let existing = 0;
  let filtered = 0;
  try {
    for await (const entry of reader.entries()) {
      if (entry.kind !== 'file') continue;
      // Include wins over exclude (`/i:myProject.* /e:*.exe` still extracts myProject.exe).
      const included = options.include.length === 0 || matches(options.include, entry.winPath);
      const excluded = matches(options.exclude, entry.winPath) && !(options.include.length && included);
      if (!included || excluded) {
        filtered++;
        continue;
      }
      const out = safeJoin(destination, driveRelative(entry.winPath));
      if (!options.overwrite && (await lstat(out).catch(() => null))) {
        existing++;
        ctx.log?.warning(`${out} exists; not overwritten (use /o)`);
        continue;
      }
      await restoreFile(out, { open: async () => reader.openContent(entry) }, entry, 'dosattrib');
      extracted++;
      ctx.log?.object(`Extracted ${entry.winPath} → ${out}`);
      ctx.events.emit({ type: 'progress', phase: 'Extracting', done: extracted, current: entry.winPath });
    }
  } finally {
    await reader.close();
  }
  write(
    `Extracted ${extracted} files ` +
      (`to ${destination}${existing ? `; ${existing} already there and kept (use /o to overwrite)` : ''}` +
        `${filtered ? `; ${filtered} left out by /i /e` : ''}.`),
  );
  return USMT_SUCCESS;
}

async function removeStore(storeDir: string, noPrompt: boolean, ctx: RunContext, write: (line: string) => void): Promise<number> {
  const dir = resolve(storeDir);
  if (!noPrompt && !(await confirm(`Delete the hard-link store ${dir}? (Y/N) `))) {
    write('Not deleted.');
    return USMT_SUCCESS;
  }
  try {
    await deleteHardlinkStore(dir);
  } catch (err) {
    if (isFerryError(err) && (err.code === 'FERRY_E_ACCESS_DENIED' || err.code === 'FERRY_E_IO')) {
      throw usmtError('FERRY_E_USMT_DELETE_STORE', `There was an error removing the store ${dir}: ${err.message}`, { path: dir });
    }
    throw err;
  }
  ctx.log?.info(`Deleted the hard-link store ${dir}`);
  write(`Deleted the hard-link store ${dir}.`);
  return USMT_SUCCESS;
}

function confirm(question: string): Promise<boolean> {
  return new Promise((done) => {
    const rl = createInterface({ input: terminal().stdin, output: terminal().stderr });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      done(/^y(es)?$/i.test(answer.trim()));
    });
    rl.on('close', () => {
      if (!answered) done(false);
    });
  });
}
