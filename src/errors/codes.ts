// The one catalog of Ferry's error and warning codes. Every code thrown or reported anywhere in
// Ferry is defined here, with the meaning and the remedy an administrator reads; docs/errors.md
// is generated from this file (`npm run docs:errors`) and a test keeps the two in sync.
//
// `usmt` is the USMT return code that scanstate/loadstate/usmtutils exit with for this error
// (spec/usmt-cli.md §6); `http` is the status an HTTP edge answers with.
// Sections are per concept; keep codes sorted within a section and never reuse or rename one.

export type Severity = 'error' | 'warning';

export interface CodeSpec {
  readonly severity: Severity;
  /** What happened, in one sentence. */
  readonly meaning: string;
  /** What the administrator does about it. */
  readonly remedy: string;
  readonly usmt?: number;
  readonly http?: number;
}

const e = (meaning: string, remedy: string, extra: { usmt?: number; http?: number } = {}): CodeSpec => ({
  severity: 'error',
  meaning,
  remedy,
  ...extra,
});
const w = (meaning: string, remedy: string, extra: { usmt?: number; http?: number } = {}): CodeSpec => ({
  severity: 'warning',
  meaning,
  remedy,
  ...extra,
});

export const CODES = {
  // ── general ─────────────────────────────────────────────────────────────────────────────
  FERRY_E_INTERNAL: e('An unexpected internal error occurred.', 'Re-run with verbose logging and report the log; nothing was deleted.', { usmt: 26, http: 500 }),
  FERRY_E_INVALID_ARGUMENT: e('A command-line option or argument is invalid or missing.', 'Check the command line against `--help` (or `/?`).', { usmt: 11, http: 400 }),
  FERRY_E_NODE_VERSION: e('Ferry is running on a Node.js older than 24.', 'Run `npm ci` in the Ferry folder; it installs Node 24 for the project.'),
  FERRY_E_NOT_SUPPORTED_ON_PLATFORM: e('The operation needs Windows (VSS, live registry, local accounts) and this is not Windows.', 'Use the offline equivalent (e.g. `/offlinewindir:`) or run on Windows.', { usmt: 11 }),
  FERRY_E_IO: e('A file-system operation failed.', 'Check the path named in the message, its permissions and free space.', { usmt: 26 }),
  FERRY_E_DISK_FULL: e('The destination ran out of space (ENOSPC).', 'Free space on the destination or choose another; the partial output is marked incomplete and can be resumed.', { usmt: 26, http: 507 }),
  FERRY_E_ACCESS_DENIED: e('A file or folder could not be read or written because access was denied.', 'Grant read access, run with sufficient rights, or use `/c` to continue past such files.', { usmt: 26, http: 403 }),

  // ── volume (Windows volume model) ──────────────────────────────────────────────────────
  FERRY_E_NOT_A_WINDOWS_DIR: e('The given Windows directory does not look like a Windows installation.', 'Point `/offlinewindir:` at the `Windows` folder of the mounted volume (it holds System32\\config).', { usmt: 31 }),

  // ── migxml (rules, Config.xml) ─────────────────────────────────────────────────────────
  FERRY_E_XML_MALFORMED: e('An XML file is not well-formed or is unsafe (DTD/entities are refused).', 'Fix the XML at the file and line given in the message.', { usmt: 29 }),
  FERRY_E_MIGXML_FILE_NOT_FOUND: e('A migration XML file given with /i could not be found or read.', 'Check the path given to /i (relative paths are resolved from the current folder).', { usmt: 28 }),
  FERRY_E_MIGXML_INVALID: e('A migration XML file is well-formed but not valid MigXML (wrong root, bad attribute value, bad pattern or script syntax, missing named element).', 'Fix the element at the file and line given in the message; check that Config.xml was not passed with /i.', { usmt: 28 }),
  FERRY_E_MIGXML_UNKNOWN_ELEMENT: e('A migration XML file contains an element Ferry does not know at that place.', 'Fix or remove the element at the file and line given; see docs for the MigXML element reference.', { usmt: 28 }),
  FERRY_E_MIGXML_UNKNOWN_FUNCTION: e('A migration XML file calls a helper function that does not exist or is not allowed where it is used.', 'Use a MigXmlHelper function valid for that element (condition, script, filter, merge, locationModify, contentModify).', { usmt: 28 }),
  FERRY_E_CONFIG_INVALID: e('The Config.xml given with /config could not be read or is not a valid Config.xml.', 'Regenerate it with /genconfig, or fix the element at the file and line given.', { usmt: 39 }),
  FERRY_W_MIGXML_DUPLICATE_URLID: w('Two /i files share the same migration urlid; the later file on the command line was not processed.', 'Give each custom migration XML file its own urlid.'),
  FERRY_W_MIGDOCS_WITH_MIGUSER: w('MigDocs.xml and MigUser.xml were both given; they collect the same files with different rules, so files may be applied twice to different places.', 'Use MigDocs.xml or MigUser.xml, not both.'),
  FERRY_W_MIGXML_UNRESOLVED_VARIABLE: w('A pattern uses an environment variable that has no value for this pass, so the pattern matches nothing.', 'Define the variable in an <environment> of the component, or ignore this if the application is not installed.'),
  FERRY_W_REGISTRY_UNAVAILABLE: w('Registry hives could not be read, so registry objects are treated as absent.', 'Make sure the volume holds readable hives under Windows\\System32\\config and each profile.'),

  // ── store ──────────────────────────────────────────────────────────────────────────────
  FERRY_E_STORE_BAD_KEY: e('The store is encrypted and no key, or not the key it was created with, was given.', 'Give the same `/key:` or `/keyfile:` that ScanState used (`/decrypt`); the key is never stored and cannot be recovered.', { usmt: 37 }),
  FERRY_E_STORE_CROSS_VOLUME: e('A hard-link store can only link files on its own file system; this file is on another one.', 'Put the store on the volume that holds the data, or use a compressed store (drop `/hardlink /nocompress`).', { usmt: 27 }),
  FERRY_E_STORE_EXISTS: e('The store path already holds a store.', 'Use `/o` to overwrite it, choose another store path, or re-run the interrupted capture to resume it.', { usmt: 27 }),
  FERRY_E_STORE_INCOMPLETE: e('The store was not finished: its capture was interrupted, so it is not restored as if whole.', 'Re-run the same ScanState command to resume the capture, then restore.', { usmt: 27 }),
  FERRY_E_STORE_KEYFILE: e('The `/keyfile:` file cannot be read or holds no key.', 'Point `/keyfile:` at a readable text file whose first line is the key (at least one character).', { usmt: 33 }),
  FERRY_E_STORE_NOT_FOUND: e('No Ferry/USMT store was found at the given path.', 'Give the store path ScanState wrote (the folder that holds `USMT`), or the `USMT.MIG` file itself.', { usmt: 27 }),
  FERRY_E_STORE_NOT_HARDLINK: e('The folder is not a hard-link store, so it is not deleted.', 'Use `usmtutils /rd` only on a hard-link store; delete other folders with ordinary tools.', { usmt: 35 }),
  FERRY_E_STORE_OPTIONS: e('The requested store options cannot be combined (e.g. encryption with an uncompressed store).', 'Drop `/encrypt` with `/nocompress`, or drop `/nocompress`.', { usmt: 11 }),
  FERRY_E_STORE_RESUME_MISMATCH: e('The interrupted store was started with other options (type or encryption) than this run.', 'Resume with the same options as the first run, or use `/o` to start over.', { usmt: 27 }),
  FERRY_E_STORE_ROOT_FOLDER: e('The store path is the root of a volume, which a store may not be.', 'Use a folder below the volume root, e.g. `/mnt/data/USMTStore` instead of `/mnt/data`.', { usmt: 27 }),
  FERRY_E_STORE_TAMPERED: e('The store failed an integrity check: a frame, the catalog or a file was changed, reordered or damaged.', 'Do not restore from it; capture again or use the store\'s copy on the State Migration Point. `usmtutils /verify:all` lists the damaged files.', { usmt: 42 }),
  FERRY_E_STORE_TRUNCATED: e('The store file ends early: it was cut short after it was written (copy or transfer interrupted).', 'Copy the store again from its source, or capture again.', { usmt: 42 }),
  FERRY_E_STORE_UNSAFE_PATH: e('A path in the store would land outside the destination (`..`, absolute, drive-relative or device name).', 'Do not extract from this store; it was not written by ScanState or was altered.', { usmt: 42 }),
  FERRY_E_STORE_VERSION: e('The store was written by a newer Ferry with a format version this one cannot read.', 'Restore with the Ferry version that captured it, or a newer one.', { usmt: 27 }),

  // ── usmt (scanstate / loadstate / usmtutils) ───────────────────────────────────────────

  // ── registry (regf hives) ──────────────────────────────────────────────────────────────

  // ── tasksequence ───────────────────────────────────────────────────────────────────────

  // ── smp (State Migration Point) ────────────────────────────────────────────────────────

  // ── site, agent, console ───────────────────────────────────────────────────────────────
  FERRY_E_AGENT_ENROLLMENT_REFUSED: e('An agent tried to register with a missing or wrong enrollment token.', 'Start the agent with `--enroll <token>` using the token in the site data directory (`enroll-token`).', { http: 403 }),
  FERRY_E_AGENT_REVOKED: e('The agent credential is unknown or was revoked by an administrator.', 'Re-register the agent (`ferry agent --enroll <token>`) or restore the computer in the console.', { http: 401 }),
  FERRY_E_CONSOLE_BUILD_FAILED: e('The web console bundle could not be built with Vite.', 'Run `npx vite build console` to see the error; `npm ci` restores missing dependencies.'),
  FERRY_E_SITE_AUTH_REQUIRED: e('The request has no valid console session or sign-in token.', 'Open the sign-in URL that `ferry serve` printed; restart `ferry serve` for a new one.', { http: 401 }),
  FERRY_E_SITE_CONFLICT: e('The object was changed by someone else since it was loaded (version mismatch).', 'Reload the object, re-apply your change and save again; nothing was overwritten.', { http: 409 }),
  FERRY_E_SITE_CSRF: e('A state-changing request lacked the matching CSRF token header.', 'Reload the console page; scripts must send the `ferry_csrf` cookie value in the `x-ferry-csrf` header.', { http: 403 }),
  FERRY_E_SITE_DUPLICATE_NAME: e('Another object of the same kind already has this name.', 'Choose a different name.', { http: 409 }),
  FERRY_E_SITE_IN_USE: e('The object is still referenced (e.g. a task sequence with deployments).', 'Delete the deployments or references named in the message first.', { http: 409 }),
  FERRY_E_SITE_INVALID: e('A request body or a property value is invalid.', 'Fix the fields listed in the error details and submit again.', { http: 400 }),
  FERRY_E_SITE_NOT_FOUND: e('The requested site object does not exist.', 'Check the identifier; the object may have been deleted.', { http: 404 }),
  FERRY_E_SITE_UNREACHABLE: e('The agent could not reach the site server.', 'Check `--site URL` and that `ferry serve` is running; the agent retries and resumes.'),
} as const satisfies Record<string, CodeSpec>;

export type Code = keyof typeof CODES;
export type ErrorCode = Extract<Code, `FERRY_E_${string}`>;
export type WarningCode = Extract<Code, `FERRY_W_${string}`>;
