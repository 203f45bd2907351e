// What the engine needs from other parts of Ferry, as interfaces it is given: the USMT tools,
// the State Migration Point client and the packages. Defaults here work without a site: the
// USMT tools load lazily from src/usmt/, and any USMT package id resolves to Ferry's built-in
// engine with its bundled default XML files unless `--package ID=DIR` maps it to a folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';
import type { EventStream } from '../events/index.ts';
import type { UsmtPackage } from './usmt-args.ts';
import { builtinXmlDir, BUILTIN_USMT_FILES } from '../usmt/index.ts';

// ── USMT ─────────────────────────────────────────────────────────────────────────────────

/** Where a USMT tool runs (working folder, environment) and the stream its events go to. */
export interface UsmtRunContext {
  cwd: string;
  env: Record<string, string>;
  events: EventStream;
}

/** Runs ScanState / LoadState / UsmtUtils with USMT arguments; resolves to the USMT return code. */
export interface UsmtRunner {
  scanstate(args: string[], ctx: UsmtRunContext): Promise<number>;
  loadstate(args: string[], ctx: UsmtRunContext): Promise<number>;
  usmtutils(args: string[], ctx: UsmtRunContext): Promise<number>;
}

type ToolModule = { run(argv: string[], invocation?: { cwd?: string; events?: EventStream }): Promise<number> };

const TOOL_MODULES = {
  scanstate: '../usmt/scanstate-cli.ts',
  loadstate: '../usmt/loadstate-cli.ts',
  usmtutils: '../usmt/usmtutils-cli.ts',
} as const;

/**
 * Ferry's own engine, run in this process. The step's working folder (the USMT package folder,
 * where relative `/i:` files are found) is passed to the tool; the environment a step gives
 * (USMT_WORKING_DIR) is for external tools and not read by Ferry's own.
 */
export function builtinUsmtRunner(): UsmtRunner {
  const call = async (tool: keyof typeof TOOL_MODULES, args: string[], ctx: UsmtRunContext): Promise<number> => {
    const specifier: string = TOOL_MODULES[tool];
    let mod: ToolModule;
    try {
      mod = (await import(specifier)) as ToolModule;
    } catch (err) {
      throw new FerryError(
        'FERRY_E_TS_USMT_NOT_AVAILABLE',
        `The ${tool} engine (${specifier.replace('../', 'src/')}) could not be loaded: ${(err as Error).message}`,
        {
          cause: err,
          details: { tool },
        },
      );
    }
    if (typeof mod.run !== 'function')
      throw new FerryError('FERRY_E_TS_USMT_NOT_AVAILABLE', `The ${tool} engine module exports no run(argv).`, { details: { tool } });
    // The working folder is passed, never set with process.chdir: the process is shared.
    return mod.run(args, { cwd: ctx.cwd, events: ctx.events });
  };
  return {
    scanstate: (args, ctx) => call('scanstate', args, ctx),
    loadstate: (args, ctx) => call('loadstate', args, ctx),
    usmtutils: (args, ctx) => call('usmtutils', args, ctx),
  };
}

// ── State Migration Point ────────────────────────────────────────────────────────────────

/** A store granted by a state migration point (what src/smp's client returns). */
export interface SmpGrant {
  storeId: string;
  kind: 'capture' | 'restore';
  /** The store's location on the SMP: becomes OSDStateStorePath. */
  location: string;
  /** The store's data key; Capture encrypts and Restore decrypts with it. */
  key: string;
}

/** The State Migration Point as the four user-state steps use it (`SmpHttpClient` in src/smp satisfies it). */
export interface SmpPort {
  requestCapture(): Promise<SmpGrant>;
  requestRestore(): Promise<SmpGrant>;
  /** Send the captured store folder to the store at `location`. */
  upload(storeDir: string, location: string, events?: EventStream): Promise<{ manifestDigest: string }>;
  /** Fetch the store at `location` into `destDir`. */
  download(location: string, destDir: string, events?: EventStream): Promise<{ manifestDigest: string }>;
  release(grant: Pick<SmpGrant, 'kind' | 'location'>, report?: { verified: boolean; manifestDigest: string }): Promise<unknown>;
}

/** Request State Store's settings for one request (OSDStateSMPRetryCount/Time, OSDStateFallbackToNAA). */
export interface SmpRequestSettings {
  retryCount: number;
  retryDelaySeconds: number;
  fallbackToNaa: boolean;
  events: EventStream;
}

/** Makes an SMP client for the step's settings; absent when no site/SMP is configured. */
export type SmpPortFactory = (settings: SmpRequestSettings) => SmpPort;

// ── operating system images ──────────────────────────────────────────────────────────────

/**
 * Fetches an operating system image package's WIM onto this computer and returns its host path
 * (the agent downloads it from the site, hash-checked); undefined when the package is unknown.
 */
export type ImageSource = (packageId: string, events: EventStream) => Promise<string | undefined>;

// ── packages ─────────────────────────────────────────────────────────────────────────────

/** Finds the packages a sequence references by id (USMT packages, OS images): the engine holds no package store of its own. */
export interface PackageResolver {
  /** A USMT package by id; undefined when it cannot be found. */
  usmt(id: string): UsmtPackage | undefined;
  /** Host folder of any package (Run Command Line's PackageID); undefined when unknown. */
  folder(id: string): string | undefined;
  /** The WIM file of an operating system image package (mapped to the file, or to a folder holding one .wim). */
  image(id: string): string | undefined;
  /** The id → folder map, kept in the engine state so `ts resume` sees the same packages. */
  mappings(): Record<string, string>;
}

export const BUILTIN_USMT_VERSION = '10.0';

export { builtinXmlDir, BUILTIN_USMT_FILES };

/** `DIR/ferry-package.json` may declare `{ "usmtVersion": "4.0" }`; the default is 10.0. */
export const PACKAGE_MANIFEST = 'ferry-package.json';

/**
 * Packages on this computer: `mappings` (id → folder, from `--package ID=DIR`); any other USMT
 * package id resolves to the built-in engine with its bundled default XML files.
 */
export function localPackages(mappings: Record<string, string> = {}): PackageResolver {
  const byId = new Map(Object.entries(mappings).map(([id, dir]) => [id.toUpperCase(), resolve(dir)]));
  return {
    usmt(id) {
      const dir = byId.get(id.toUpperCase());
      if (dir === undefined) {
        const xmlDir = builtinXmlDir();
        return { id, ...(xmlDir ? { dir: xmlDir } : {}), usmtVersion: BUILTIN_USMT_VERSION, files: [...BUILTIN_USMT_FILES], builtin: true };
      }
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
      let usmtVersion = BUILTIN_USMT_VERSION;
      const manifest = join(dir, PACKAGE_MANIFEST);
      if (existsSync(manifest)) {
        try {
          const v = (JSON.parse(readFileSync(manifest, 'utf8')) as { usmtVersion?: unknown }).usmtVersion;
          if (typeof v === 'string' || typeof v === 'number') usmtVersion = String(v);
        } catch (err) {
          throw new FerryError('FERRY_E_TS_PACKAGE_NOT_FOUND', `${manifest} is not valid JSON: ${(err as Error).message}`, {
            cause: err,
            details: { id, dir },
          });
        }
      }
      const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.xml'));
      return { id, dir, usmtVersion, files, builtin: false };
    },
    folder(id) {
      return byId.get(id.toUpperCase());
    },
    image(id) {
      const path = byId.get(id.toUpperCase());
      if (path === undefined || !existsSync(path)) return path;
      if (!statSync(path).isDirectory()) return path;
      const wims = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.wim'));
      return wims.length === 1 ? join(path, wims[0]!) : undefined;
    },
    mappings() {
      return Object.fromEntries([...byId.entries()]);
    },
  };
}
