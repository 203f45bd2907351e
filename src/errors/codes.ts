// The one catalog of Ferry's error and warning codes. Every code thrown or reported anywhere in
// Ferry is defined here, with the meaning and the remedy an administrator reads; docs/errors.md
// is generated from this file (`npm run docs:errors`) and a test keeps the two in sync.
//
// `usmt` is the USMT return code that scanstate/loadstate/usmtutils exit with for this error
// (spec/usmt-cli.md §6); `http` is the status an HTTP edge answers with.
// Sections are per concept; keep codes sorted within a section and never reuse or rename one.

/** An error stops the operation it is in; a warning is reported and never blocks. */
export type Severity = 'error' | 'warning';

/** One catalog entry: what `docs/errors.md` and `--json` output say about a code. */
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

/**
 * The error and warning catalog: each code's meaning, what the administrator does about it, its
 * USMT exit code and HTTP status. `docs/errors.md` is generated from it (`npm run docs:errors`);
 * codes are API: never reused or renamed.
 */
export const CODES = {
  // ── general ─────────────────────────────────────────────────────────────────────────────
  FERRY_E_INTERNAL: e('An unexpected internal error occurred.', 'Re-run with verbose logging and report the log; nothing was deleted.', {
    usmt: 26,
    http: 500,
  }),
  FERRY_E_INVALID_ARGUMENT: e(
    'A command-line option or argument is invalid or missing: an unknown, repeated, incomplete or conflicting option, or a bad value.',
    'Correct the option named in the message; `--help` (or `/?` for the USMT tools) lists the options.',
    { usmt: 11, http: 400 },
  ),
  FERRY_E_NODE_VERSION: e(
    'Ferry is running on a Node.js older than 24.',
    'Run `npm ci` in the Ferry folder; it installs Node 24 for the project.',
  ),
  FERRY_E_NOT_SUPPORTED_ON_PLATFORM: e(
    'The operation needs Windows (VSS, live registry, local accounts) and this is not Windows.',
    'Use the offline equivalent (e.g. `/offlinewindir:`) or run on Windows.',
    { usmt: 11 },
  ),
  FERRY_E_IO: e('A file-system operation failed.', 'Check the path named in the message, its permissions and free space.', { usmt: 26 }),
  FERRY_E_DISK_FULL: e(
    'The destination ran out of space (ENOSPC).',
    'Free space on the destination or choose another; the partial output is marked incomplete and can be resumed.',
    { usmt: 72, http: 507 },
  ),
  FERRY_E_ACCESS_DENIED: e(
    'A file or folder could not be read or written because access was denied.',
    'Grant read access, run with sufficient rights, or use `/c` to continue past such files.',
    { usmt: 26, http: 403 },
  ),

  // ── volume (Windows volume model) ──────────────────────────────────────────────────────
  FERRY_E_ACCOUNT_PLAN_INVALID: e(
    'The offline account plan on the target ' +
      '(Windows\\Ferry\\accounts-plan.json) exists but is not a valid plan, so it ' +
      'was not overwritten.',
    'Move the file aside (or fix its JSON) and run LoadState again; it is rewritten with every account of both runs.',
  ),
  FERRY_E_DRIVE_NOT_MAPPED: e(
    'A Windows path names a drive letter that is not mapped to a folder of this host (only the system drive is mapped by default).',
    'Map the drive (e.g. `/offline:Offline.xml` with a `<mappings>` entry, or the ' +
      'volume option `drives`), or change the path to the system drive.',
    { usmt: 29 },
  ),
  FERRY_E_NOT_A_WINDOWS_DIR: e(
    'The given Windows directory does not look like a Windows installation (it has no System32 folder).',
    'Point `/offlinewindir:` at the `Windows` folder of the mounted volume (it holds System32\\config).',
    { usmt: 26 },
  ),
  FERRY_E_VOLUME_ROOT_NOT_FOUND: e(
    'The volume root given for a computer (what C:\\ is) does not exist or is not a folder, so nothing was started on it.',
    'Check the path for a typo and that the volume is mounted, e.g. `--root /mnt/win` or `--agent PC1=/mnt/win`.',
  ),
  FERRY_E_PATH_OUTSIDE_VOLUME: e(
    'A path would lead outside the Windows volume (through `..`, a symlink or junction, or a ' +
      'host path that is not below the volume root); nothing was read or written there.',
    'Use a path inside the volume; links on the volume are reported, never followed.',
  ),
  FERRY_E_WINDIR_NOT_FOUND: e(
    'The Windows directory given for the offline volume does not exist or is not a folder.',
    'Mount the volume and pass the host path of its `Windows` folder, e.g. `/offlinewindir:/mnt/win/Windows`.',
    { usmt: 11 },
  ),
  FERRY_E_WIN_PATH_INVALID: e(
    'A Windows path, or a file name on the volume, contains characters Windows does not ' +
      'allow in names (control characters or `\\<>:"|?*`); such a file is skipped.',
    'Correct the path, or rename the file on the volume (it was created outside Windows) so it can be migrated.',
  ),
  FERRY_W_PROFILE_MISSING: w(
    'A profile listed in the registry (ProfileList) has no folder on the volume, so it is skipped.',
    'Nothing to do if the account was deleted; otherwise check that the whole volume is mounted.',
  ),
  FERRY_W_PROFILE_TEMPORARY: w(
    'A ProfileList entry is temporary or a backup (State flags or a `.bak` key): it is not migrated; when a ' +
      'temporary entry has a good `.bak` entry, the `.bak` profile folder is migrated instead.',
    'Sign in once with that account so Windows repairs the profile (or remove the stale ' +
      '`.bak` key), then capture again if the message says a profile was skipped.',
  ),

  // ── migxml (rules, Config.xml) ─────────────────────────────────────────────────────────
  FERRY_E_XML_MALFORMED: e(
    'An XML file is not well-formed or is unsafe (DTD/entities are refused).',
    'Fix the XML at the file and line given in the message.',
    { usmt: 29 },
  ),
  FERRY_E_MIGXML_FILE_NOT_FOUND: e(
    'A migration XML file given with /i could not be found or read, or is not a MigXML file (often Config.xml passed with /i).',
    'Check each /i path (relative paths are resolved from the current folder); pass Config.xml with /config instead.',
    { usmt: 28 },
  ),
  FERRY_E_MIGXML_INVALID: e(
    'A migration XML file is well-formed but not valid MigXML (wrong root, bad ' +
      'attribute value, bad pattern or script syntax, missing named element).',
    'Fix the element at the file and line given in the message; check that Config.xml was not passed with /i.',
    { usmt: 28 },
  ),
  FERRY_E_MIGXML_UNKNOWN_ELEMENT: e(
    'A migration XML file contains an element Ferry does not know at that place.',
    'Fix or remove the element at the file and line given; see docs for the MigXML element reference.',
    { usmt: 28 },
  ),
  FERRY_E_MIGXML_UNKNOWN_FUNCTION: e(
    'A migration XML file calls a helper function that does not exist or is not allowed where it is used.',
    'Use a MigXmlHelper function valid for that element (condition, script, filter, merge, locationModify, contentModify).',
    { usmt: 28 },
  ),
  FERRY_E_CONFIG_INVALID: e(
    'The Config.xml given with /config is missing, could not be read or is not a valid Config.xml.',
    'Check the path given to /config; regenerate it with `scanstate ' +
      '/genconfig:Config.xml /i:…`, or fix the element at the file and line given.',
    { usmt: 39 },
  ),
  FERRY_W_MIGXML_ELEMENT_IGNORED: w(
    'An element of a migration XML file lacks a required child element (a <component> its <displayName>, a <variable> its ' +
      '<text>/<script>/<objectSet>, an <object> its <location>), so it has no effect; the rest of the file is processed.',
    'Add the missing element at the file, line and column given if it should affect the migration.',
  ),
  FERRY_W_MIGXML_DUPLICATE_URLID: w(
    'Two /i files share the same migration urlid; the later file on the command line was not processed.',
    'Give each custom migration XML file its own urlid.',
  ),
  FERRY_W_MIGDOCS_WITH_MIGUSER: w(
    'MigDocs.xml and MigUser.xml were both given; they collect the same files with ' +
      'different rules, so files may be applied twice to different places.',
    'Use MigDocs.xml or MigUser.xml, not both.',
  ),
  FERRY_W_MIGXML_UNRESOLVED_VARIABLE: w(
    'A pattern uses an environment variable that has no value for this pass, so the pattern matches nothing.',
    'Define the variable in an <environment> of the component, or ignore this if the application is not installed.',
  ),
  FERRY_W_REGISTRY_UNAVAILABLE: w(
    'Registry hives could not be read, so registry objects are treated as absent.',
    'Make sure the volume holds readable hives under Windows\\System32\\config and each profile.',
  ),

  // ── store ──────────────────────────────────────────────────────────────────────────────
  FERRY_E_STORE_BAD_KEY: e(
    'The store is encrypted and no key, or not the key it was created with, was given.',
    'Give the same `/key:` or `/keyfile:` that ScanState used (`/decrypt`); the key is never stored and cannot be recovered.',
    { usmt: 37 },
  ),
  FERRY_E_STORE_CROSS_VOLUME: e(
    'A hard-link store can only link files on its own file system; this file is on another one.',
    'Put the store on the volume that holds the data, or use a compressed store (drop `/hardlink /nocompress`).',
    { usmt: 27 },
  ),
  FERRY_E_STORE_EXISTS: e(
    'The store path already holds a store.',
    'Use `/o` to overwrite it, choose another store path, or re-run the interrupted capture to resume it.',
    { usmt: 27 },
  ),
  FERRY_E_STORE_INCOMPLETE: e(
    'The store was not finished: its capture was interrupted, so it is not restored as if whole.',
    'Re-run the same ScanState command to resume the capture, then restore.',
    { usmt: 27 },
  ),
  FERRY_E_STORE_KDF_PARAMS: e(
    'The store header asks for key-derivation (scrypt) parameters outside what ' +
      'Ferry writes, which would cost excessive memory or CPU to honour.',
    'Do not restore from this store: its header was altered or it was not written by ' +
      'Ferry. Use the copy on the State Migration Point or capture again.',
    { usmt: 42, http: 422 },
  ),
  FERRY_E_STORE_KEYFILE: e(
    'The encryption key is empty, or the `/keyfile:` file cannot be read or holds no key.',
    'Give `/key:` at least one character, or point `/keyfile:` at a readable text file whose first line is the key.',
    { usmt: 33 },
  ),
  FERRY_E_STORE_NOT_FOUND: e(
    'No Ferry/USMT store was found at the given path.',
    'Give the store path ScanState wrote (the folder that holds `USMT`), or the `USMT.MIG` file itself.',
    { usmt: 27 },
  ),
  FERRY_E_STORE_NOT_HARDLINK: e(
    'The folder is not a hard-link store, so it is not deleted.',
    'Use `usmtutils /rd` only on a hard-link store; delete other folders with ordinary tools.',
    { usmt: 35 },
  ),
  FERRY_E_STORE_OPTIONS: e(
    'The requested store options cannot be combined (e.g. encryption with an uncompressed store).',
    'Drop `/encrypt` with `/nocompress`, or drop `/nocompress`.',
    { usmt: 11 },
  ),
  FERRY_E_STORE_RESUME_MISMATCH: e(
    'The interrupted store was started with other options (type or encryption) than this run.',
    'Resume with the same options as the first run, or use `/o` to start over.',
    { usmt: 27 },
  ),
  FERRY_E_STORE_ROOT_FOLDER: e(
    'The store path is the root of a volume, which a store may not be.',
    'Use a folder below the volume root, e.g. `/mnt/data/USMTStore` instead of `/mnt/data`.',
    { usmt: 27 },
  ),
  FERRY_E_STORE_TAMPERED: e(
    'The store failed an integrity check: a frame, the catalog or a file was changed, reordered or damaged.',
    "Do not restore from it; capture again or use the store's copy on the State " +
      'Migration Point. `usmtutils /verify:all` lists the damaged files.',
    { usmt: 42 },
  ),
  FERRY_E_STORE_TRUNCATED: e(
    'The store file ends early: it was cut short after it was written (copy or transfer interrupted).',
    'Copy the store again from its source, or capture again.',
    { usmt: 42 },
  ),
  FERRY_E_STORE_UNSAFE_PATH: e(
    'A path in the store would land outside the destination (`..`, absolute, drive-relative or device name).',
    'Do not extract from this store; it was not written by ScanState or was altered.',
    { usmt: 42 },
  ),
  FERRY_E_STORE_VERSION: e(
    'The store was written by a newer Ferry with a format version this one cannot read.',
    'Restore with the Ferry version that captured it, or a newer one.',
    { usmt: 27 },
  ),

  // ── usmt (scanstate / loadstate / usmtutils) ───────────────────────────────────────────
  FERRY_E_USMT_CANCELED: e(
    'The capture was stopped: an EFS-encrypted file was found and `/efs:abort` (the default) is in force, or the run was interrupted.',
    'Choose `/efs:skip` or `/efs:copyraw`, or run again to continue an interrupted capture.',
    { usmt: 2 },
  ),
  FERRY_E_USMT_DELETE_STORE: e(
    '`usmtutils /rd` could not remove the whole hard-link store (a file is locked, read-only or not permitted).',
    'Close whatever holds the files, check permissions, and run `usmtutils /rd` again; the original files are not affected.',
    { usmt: 35 },
  ),
  FERRY_E_USMT_ESTIMATE_FILE: e(
    'The space-estimate file given with `/p:` could not be written.',
    'Give `/p:` a writable path outside the store.',
    { usmt: 41 },
  ),
  FERRY_E_USMT_INIT_ERROR: e(
    'No usable Windows installation was found for the offline operation, or several were found where only one is allowed.',
    'Point `/offlinewindir:` (or the `<path>` entries of Offline.xml) at the Windows folder of the mounted volume.',
    { usmt: 26 },
  ),
  FERRY_E_USMT_LOCAL_ACCOUNT: e(
    'A local account in the store does not exist on the target and `/lac` was not given, so its data was not restored.',
    'Add `/lac` (optionally `/lac:Password` and `/lae`) to create the missing local accounts, or map the user with `/mu`.',
    { usmt: 14 },
  ),
  FERRY_E_USMT_LOG_FILE: e('The log file given with `/l:` cannot be created.', 'Give `/l:` a writable path outside the store.', {
    usmt: 13,
  }),
  FERRY_E_USMT_OFFLINE_REQUIRED: e(
    'On this platform ScanState and LoadState only work on an offline Windows volume, ' +
      'and no offline option was given (or `/offline` was given to LoadState).',
    "Add `/offlinewindir:<path of the volume's Windows folder>` (or `/offline:Offline.xml` for ScanState).",
    { usmt: 36 },
  ),
  FERRY_E_USMT_PARAM_TOO_LARGE: e(
    'A command-line argument or the store path is longer than 256 characters.',
    'Use a shorter path (e.g. a shorter store folder) or put long values in a file.',
    { usmt: 12 },
  ),
  FERRY_E_USMT_PROGRESS_LOG: e(
    'The progress log given with `/progress:` cannot be created or written.',
    'Give `/progress:` a writable path outside the store.',
    { usmt: 40 },
  ),
  FERRY_E_USMT_RESTORE_FAILED: e(
    'Applying the store to the target failed (a file could not be written, or a restored file does not match its catalog hash).',
    'Check free space and permissions on the target; the log names every file; run again with `/c` to continue past single files.',
    { usmt: 72 },
  ),
  FERRY_E_USMT_STOPPED_ON_ERROR: e(
    'The capture or restore stopped at the first file it could not read or write, because `/c` was not given.',
    'Fix access to the file named in the message and run the same command again (it resumes), or add `/c` to continue past such files.',
    { usmt: 61 },
  ),
  FERRY_E_USMT_STORE_LOCATION: e(
    'The store path cannot be used: it already holds a store (without `/o`), is a volume ' +
      'root, lies inside the source, or holds no store of the requested kind.',
    'Choose another store folder, add `/o` to overwrite, or pass the options the store was made with (`/nocompress`, `/hardlink`).',
    { usmt: 27 },
  ),
  FERRY_E_USMT_UNSUPPORTED_OPTION: e(
    'The option exists in USMT but has no Ferry equivalent (`/genmigxml`, `/apps`, `/ppkg`).',
    'Drop the option; write the MigXML by hand (start from MigDocs.xml) or list apps with MigApp.xml.',
    { usmt: 11 },
  ),
  FERRY_W_USMT_ERRORS_SKIPPED: w(
    'At least one file could not be read or written and was skipped because `/c` was given.',
    'Read the list of skipped files at the end of the log; fix access and run again if they matter.',
    { usmt: 3 },
  ),
  FERRY_W_USMT_LINK_UNPARSEABLE: w(
    'A shortcut (.lnk) could not be parsed, so IgnoreIrrelevantLinks could not check its target; it was restored anyway.',
    'Check the shortcut on the target; delete it if it points nowhere.',
  ),
  FERRY_E_REPORT_INVALID: e(
    'The file given to `ferry report` is not a Ferry migration report of a known version (or not JSON), nor a store.',
    'Give the `.report.json` file ScanState or LoadState wrote beside its `/l` log, or a store folder.',
    { usmt: 11 },
  ),
  FERRY_W_REPORT_NOT_WRITTEN: w(
    'The migration report (`<log>.report.json` and `.report.html`) could not be written; the capture or restore itself is not affected.',
    'Check that the folder of the `/l` log is writable and has free space.',
  ),

  // ── registry (regf hives) ──────────────────────────────────────────────────────────────
  FERRY_E_HIVE_CORRUPT: e(
    'A registry hive file is damaged (bad checksum, truncated, a cell outside the ' +
      'file or of an impossible size, a loop or mismatch in the key tree).',
    'Use the hive from a backup or a System Restore point, or let Windows repair ' +
      'it by loading it once (`reg load`); the file was not changed.',
    { usmt: 26 },
  ),
  FERRY_E_HIVE_DIRTY: e(
    'A registry hive has changes in its transaction logs (.LOG1/.LOG2) that were ' +
      'never written into the hive file, so the file alone is out of date.',
    'Boot that Windows once and shut it down fully (`shutdown /s /t 0`, not fast startup or ' +
      'hibernation), or load and unload the hive on Windows (`reg load` / `reg unload`); then run again.',
    { usmt: 26 },
  ),
  FERRY_E_HIVE_NOT_REGF: e(
    'The file is not a Windows registry hive (no `regf` signature, or it is a transaction log).',
    'Point Ferry at the hive file itself (e.g. NTUSER.DAT or Windows\\System32\\config\\SOFTWARE), not at a .LOG file or another file.',
    { usmt: 26 },
  ),
  FERRY_E_HIVE_TOO_LARGE: e(
    'The registry hive being written would exceed the 2 GiB limit of the regf format.',
    'Migrate fewer registry objects into this hive.',
    { usmt: 26 },
  ),
  FERRY_E_HIVE_UNSUPPORTED: e(
    'The registry hive uses a format version Ferry does not read (major version other than 1).',
    'Export the keys with `reg export` on Windows and migrate the .reg file instead.',
    { usmt: 26 },
  ),
  FERRY_E_REGISTRY_KEY_NOT_FOUND: e(
    'A registry key named in an edit does not exist in the hive.',
    'Create the key first (ensureKey) or correct the key path in the message.',
  ),
  FERRY_E_REGISTRY_NAME_INVALID: e(
    'A registry key or value name is not allowed (empty key name, a backslash in a key name, or longer than Windows permits).',
    'Use key names of 1–255 characters without `\\` and value names of up to 16383 characters.',
  ),
  FERRY_E_REGISTRY_VALUE_INVALID: e(
    'Registry value data does not fit its type (e.g. a DWORD outside 0…4294967295 or a string for REG_BINARY).',
    'Pass data of the documented form for the type (string, string[], number, bigint or Buffer).',
  ),
  FERRY_W_HIVE_DIRTY: w(
    'A registry hive was read although its transaction logs hold newer changes, so some recent settings may be missing.',
    'Boot that Windows once and shut it down fully, then capture again if the missing settings matter.',
  ),

  // ── tasksequence ───────────────────────────────────────────────────────────────────────
  FERRY_E_TS_ALREADY_FINISHED: e(
    'The task sequence in this state folder has already finished; there is nothing to resume.',
    'Start it again with `ferry ts run` (use a new `--state` folder to keep the old history).',
    { http: 409 },
  ),
  FERRY_E_TS_COMMAND_NOT_STARTED: e(
    'A Run Command Line step could not start its program (not found, not executable, or the working folder is missing).',
    'Check the program name and the Start in folder of the step; shell features need an explicit shell program.',
  ),
  FERRY_E_TS_CONFIG_FILE_NOT_IN_PACKAGE: e(
    'A Capture/Restore User State step in Customize mode lists a configuration file that its USMT package does not hold.',
    "Add the file to the USMT package or remove it from the step's Files list.",
    { usmt: 28 },
  ),
  FERRY_E_TS_HARDLINK_NETWORK_STORE: e(
    'Capture User State uses hard links but the state store is on a network share or a state migration point.',
    'Use hard links only with a local OSDStateStorePath on the same computer, or turn hard links off.',
  ),
  FERRY_E_TS_INPUT_UNRECOGNIZED: e(
    'The file is neither a task sequence XML (`<sequence>`), a console `object.xml` nor a console export zip holding one.',
    'Export the task sequence from the console again, or give the sequence XML itself.',
    { http: 400 },
  ),
  FERRY_E_TS_IN_PROGRESS: e(
    'A task sequence is still in progress (interrupted or waiting for its restart) in this state folder, so a new one cannot start there.',
    'Continue it with `ferry ts resume --state DIR`, or give the new run another `--state` folder.',
    { http: 409 },
  ),
  FERRY_E_TS_NO_STATE_MIGRATION_POINT: e(
    'Request/Release State Store needs a state migration point and none is configured, and OSDStateStorePath names no local store.',
    'Run the sequence from a site with a state migration point, or set ' +
      'OSDStateStorePath to a local folder (not a drive root) before the step.',
  ),
  FERRY_E_TS_OFFLINE_OUTSIDE_WINPE: e(
    'Capture User State asks for off-line capture but the step can run in the full operating system.',
    'Set the step to run in Windows PE only, or turn off "Capture in off-line mode".',
  ),
  FERRY_E_TS_PACKAGE_NOT_FOUND: e(
    'A step references a package that cannot be found on this computer.',
    'Map the package id to a folder with `--package ID=DIR`, or distribute the package.',
  ),
  FERRY_E_TS_PROPERTY_INVALID: e(
    'A step property or condition has a value of the wrong type or out of range (e.g. `maybe` for a true/false setting).',
    'Fix the value named in the message in the task sequence editor or the XML.',
    { http: 400 },
  ),
  FERRY_E_TS_RELEASE_AFTER_FAILED_STEP: e(
    'Release State Store refused to run because the step before it failed.',
    'Fix the failed step (see smsts.log); the store stays reserved until a Release State Store runs after a successful step.',
  ),
  FERRY_E_TS_SEQUENCE_INVALID: e(
    'The task sequence has validation errors, so it cannot be saved or run.',
    'Run `ferry ts validate FILE` and fix each error it lists.',
    { http: 400 },
  ),
  FERRY_E_TS_STATE_INVALID: e(
    'The task sequence state folder is missing, unreadable or was not written by `ferry ts run`.',
    'Give `--state` the folder used by the `ferry ts run` that was interrupted.',
  ),
  FERRY_E_TS_STATE_LOCKED: e(
    'Another task sequence engine is running with this state folder.',
    'Wait for it to finish; if it was killed, the lock is released automatically once its process is gone.',
    { http: 409 },
  ),
  FERRY_E_TS_STEP_TIMEOUT: e(
    'A step ran longer than its time-out and was stopped; the step failed.',
    "Raise the step's time-out or find out why the command hangs.",
  ),
  FERRY_E_TS_STEP_UNSUPPORTED: e(
    'The task sequence holds a step type Ferry cannot run; it is kept verbatim (saving and ' +
      'converting only warn), but deploying or running the sequence is refused.',
    'Disable the step, remove it, or add "Continue on error" if the sequence may go on without it.',
  ),
  FERRY_E_TS_STEP_WRONG_ENVIRONMENT: e(
    'A step that runs only in Windows PE (or only in the full OS) was reached in the other environment.',
    'Add a Restart Computer step into the right environment before it, or change where the step may run.',
  ),
  FERRY_E_TS_STORE_NOT_FOUND: e(
    'Restore User State found no complete migration store at OSDStateStorePath.',
    'Check OSDStateStorePath (and that Capture User State succeeded); the store folder must hold USMT\\USMT.MIG or USMT\\catalog.mig.',
  ),
  FERRY_E_TS_STORE_PATH_MISSING: e(
    'Capture or Restore User State ran without OSDStateStorePath: no Request State Store set it and no local store path was given.',
    'Add Request State Store before the step, or set OSDStateStorePath to a local folder (not a drive root).',
  ),
  FERRY_E_TS_STORE_PATH_ROOT: e(
    'OSDStateStorePath names the root of a drive; a local state store must be a folder or subfolder.',
    'Set OSDStateStorePath to a subfolder, e.g. `C:\\UserState`.',
  ),
  FERRY_E_TS_TOO_LARGE: e(
    "The task sequence is over Ferry's limits (groups or conditions nested deeper than 32, or more than 2 MiB as " +
      'XML or as a document; a console export zip with XML entries over 8 MiB each or 16 MiB together).',
    'Split the sequence, or remove deep nesting; the same limits apply to import, save, ' +
      'validate and export, so a sequence within them always round-trips.',
    { http: 413 },
  ),
  FERRY_E_TS_USMT_FAILED: e(
    'ScanState or LoadState returned a failure code, so the Capture/Restore User State step failed.',
    'Read ScanState.log / LoadState.log next to smsts.log; the USMT return code is in _SMSTSLastActionRetCode.',
  ),
  FERRY_E_TS_USMT_NOT_AVAILABLE: e(
    'The USMT engine (scanstate/loadstate/usmtutils) could not be loaded.',
    'Reinstall Ferry (`npm ci`); the step failed without touching the store.',
  ),
  FERRY_E_TS_VARIABLE_INVALID: e(
    'A task sequence variable name or value is invalid (bad characters, too ' +
      'long, or a read-only `_` name set by a step or the command line).',
    'Use 1–256 letters, digits, `_` or `-` starting with a letter, values up to ' +
      '4,000 characters; `_` variables are set only by the engine.',
    { http: 400 },
  ),
  FERRY_W_TS_CONDITION_NOT_EVALUATED: w(
    'A condition could not be evaluated on this computer (e.g. a WMI class or registry value ' +
      'Ferry cannot read offline); it counts as false and the step is skipped.',
    'Use a task sequence variable condition instead, or make the data readable (registry hives on the volume).',
  ),
  FERRY_W_TS_CONTINUE_BEFORE_RELEASE: w(
    'The step right before Release State Store has "Continue on error"; if it fails, ' +
      'Release State Store refuses to run and the store stays reserved.',
    'Make sure the step before Release State Store succeeds, or accept that a failure leaves the store reserved.',
  ),
  FERRY_W_TS_REQUEST_WITHOUT_RELEASE: w(
    'A Request State Store step has no Release State Store after it, so the state migration point keeps the store reserved.',
    'Add Release State Store after the Capture/Restore User State step.',
  ),
  FERRY_W_TS_RESTORE_WITHOUT_LOCAL_ACCOUNTS: w(
    'Capture User State captures all profiles but Restore User State does not restore local ' +
      'computer user profiles; the restore fails if the store holds local accounts (USMT 14).',
    'Select "Restore local computer user profiles" and give a password in Restore User State.',
    { usmt: 14 },
  ),
  FERRY_W_TS_SETTING_IGNORED_OLD_USMT: w(
    "Hard links, off-line capture and VSS need USMT 4.0 or later; with the step's older USMT package they are ignored.",
    'Use a USMT 4.0 or later package, or clear the setting.',
  ),
  FERRY_W_TS_UNDEFINED_VARIABLE: w(
    'A condition references a task sequence variable that is not defined; it is compared as an empty value.',
    'Define the variable (collection, device, or a Set Task Sequence Variable step) or use an exists/notExists condition.',
  ),
  FERRY_W_TS_UNKNOWN_STEP_TYPE: w(
    'The task sequence holds a step type Ferry does not know; it is kept verbatim on export and fails if it runs.',
    'Disable or remove the step if the sequence is to run with Ferry.',
  ),

  // ── operating system images (Apply Operating System Image, wimlib) ─────────────────────
  FERRY_E_OSIMAGE_ANSWER_FILE_MISSING: e(
    'Apply Operating System Image names an answer file (package + OSDConfigFileName) that is not there; nothing was deleted.',
    'Set OSDConfigFileName to a file of the answer file package, or clear the answer file option.',
  ),
  FERRY_E_OSIMAGE_APPLY_FAILED: e(
    'wimapply could not extract the image onto the volume (or the NTFS volume could not be ' +
      'unmounted/mounted around it); the volume was already wiped except the kept folders.',
    'Read the wimapply lines in smsts.log, fix the cause (space, a file held open on ' +
      'the volume) and run the step again; the user state store was kept.',
  ),
  FERRY_E_OSIMAGE_CAPTURE_FAILED: e(
    'Apply Operating System Image refused to wipe the volume because Capture User State failed earlier in the ' +
      'sequence (it had continue on error); the profiles on the volume are the only copy of the user state.',
    'Fix the capture (ScanState.log next to smsts.log) and run the sequence again; set ' +
      'OSDApplyAfterFailedCapture=true only when losing the user state is acceptable.',
  ),
  FERRY_E_OSIMAGE_CORRUPT: e(
    'The operating system image file is not a WIM wimlib can read; nothing was deleted.',
    'Capture the image again or copy it again from its source, then update the image package.',
    { http: 422 },
  ),
  FERRY_E_OSIMAGE_INDEX_MISSING: e(
    'The image index the step asks for (OSDImageIndex) does not exist in the WIM; nothing was deleted.',
    'Choose one of the indexes the image package lists (Software Library › Operating System Images, or `wiminfo FILE`).',
  ),
  FERRY_E_OSIMAGE_NOT_APPLIED: e(
    'A step that configures or starts the new operating system found no applied image on C: (no Windows folder).',
    'Put Apply Operating System Image before Apply Windows/Network Settings and Setup Windows and ConfigMgr.',
  ),
  FERRY_E_OSIMAGE_NOT_FOUND: e(
    'The operating system image (package or WIM file) is not available on this computer; nothing was deleted.',
    'Register the WIM as an operating system image package in the site, or map the ' +
      'package id to the file with `--package ID=/path/install.wim`.',
    { http: 404 },
  ),
  FERRY_E_OSIMAGE_TARGET_REFUSED: e(
    'Apply Operating System Image refused a destination that is not the task ' +
      "sequence's own volume (C:, the volume under --root); nothing was deleted.",
    'Target the next available partition, disk 0 partition 1, or drive C:.',
  ),
  FERRY_E_OSIMAGE_WIMLIB_MISSING: e(
    'wimlib (wimapply / wiminfo) is not installed on this computer.',
    'Install the Debian package wimtools (scripts/install-system-deps.sh).',
  ),

  // ── smp (State Migration Point) ────────────────────────────────────────────────────────
  FERRY_E_DB_FULL: e(
    "The metadata database could not write: its disk (or PostgreSQL's) is full. The change was rolled back.",
    'Free space on the disk of the database (the data directory for SQLite) and retry; nothing was half-written.',
    { http: 507 },
  ),
  FERRY_E_DB_MIGRATION: e(
    'The database schema could not be brought to the current version.',
    'Check the database named in the message is reachable and writable, and that no newer Ferry already migrated it; nothing was changed.',
  ),
  FERRY_E_DB_OPEN: e(
    'The metadata database could not be opened or reached.',
    'Check the `--db` URL or path (e.g. `postgres://user@host:5432/ferry` or a writable SQLite file) and that the server is running.',
  ),
  FERRY_E_SMP_ASSOCIATION_CONFLICT: e(
    'A computer association conflicts with an existing one (capture-and-restore-specified allows one association per source computer).',
    'Delete the existing association of that source computer or use one of the capture-all options.',
    { http: 409 },
  ),
  FERRY_E_SMP_CHUNK_MISMATCH: e(
    'An uploaded chunk or file does not match the SHA-256 or length the client declared (corrupted or truncated transfer).',
    'The client re-sends the chunk; if it keeps failing, check the network path and the source files.',
    { http: 422 },
  ),
  FERRY_E_SMP_COMPUTER_REGISTERED: e(
    'Registration named a computer that is already registered (or whose ' +
      'credential was revoked) without proof that the caller is that computer.',
    "Renew with the computer's current credential (`ferry smp register --current-credential`), or have the " +
      'administrator issue an enrollment token bound to it (`ferry smp enrollment create --computer NAME`).',
    { http: 409 },
  ),
  FERRY_E_SMP_CREDENTIAL_EXPIRED: e(
    'The computer credential has expired.',
    'Register the computer again with an enrollment token (`ferry smp register`).',
    { http: 401 },
  ),
  FERRY_E_SMP_ENROLLMENT_REFUSED: e(
    'Registration used an unknown, expired or used-up enrollment token.',
    'Ask the administrator for a new enrollment token (`ferry smp enrollment create`).',
    { http: 403 },
  ),
  FERRY_E_SMP_FOLDER_EXISTS: e(
    'A storage folder with this path is already configured on this State Migration Point server.',
    'Change the existing folder (its limits) instead of adding it again, or give another path.',
    { http: 409 },
  ),
  FERRY_E_SMP_FOLDER_FULL: e(
    'The storage folder does not have room for this store above its minimum free space, or the disk filled up.',
    'Free space in the storage folder, lower its minimum free space, or add another folder; the partial upload is kept and can be resumed.',
    { http: 507 },
  ),
  FERRY_E_SMP_FORBIDDEN: e(
    'The credential is valid but not allowed to do this (an administrator ' +
      'route, or an operation outside the Network Access Account scope).',
    'Use the admin token for administration; computers and the Network Access Account only reach their own stores.',
    { http: 403 },
  ),
  FERRY_E_SMP_IDENTITY_NOT_OWNED: e(
    'The site asked for the State Migration Point identity of a computer that was issued to someone else: a ' +
      'computer registered on the SMP itself, or one that belonged to a computer record the site deleted.',
    'If this really is that computer, reset it: on the site, reset the deleted record (`POST ' +
      '/api/computers/{id}/reset`, listed under `GET /api/computers/retired`); on the SMP, issue an ' +
      'enrollment token bound to it (`ferry smp enrollment create --computer NAME`).',
    { http: 409 },
  ),
  FERRY_E_SMP_NAA_NOT_ALLOWED: e(
    'The Network Access Account was used where it is not allowed (the step does not ' +
      'allow fallback, or the server has no Network Access Account configured).',
    'Enable "use the Network Access account" (OSDStateFallbackToNAA) on the Request State ' +
      'Store step, or configure the account on the SMP (`ferry smp naa set`).',
    { http: 403 },
  ),
  FERRY_E_SMP_NO_ELIGIBLE_FOLDER: e(
    'No storage folder of this State Migration Point can take a new capture (restore-only ' +
      'mode, maximum number of clients reached, or below minimum free space).',
    'Add a storage folder, free space, raise the maximum number of clients, or turn ' +
      'off restore-only mode; the client tries other SMPs and retries.',
    { http: 507 },
  ),
  FERRY_E_SMP_NO_STORE: e(
    'No captured state store is available for this computer to restore (no association, or the source has not released its capture yet).',
    'Create a computer association (source → this computer) and make sure the source ran Request → Capture → Release.',
    { http: 404 },
  ),
  FERRY_E_SMP_PATH_INVALID: e(
    'A file name in the store manifest is not a safe relative path (absolute, `..`, empty segment, or control characters).',
    'Upload stores produced by ScanState; names must be relative paths inside the store.',
    { http: 400 },
  ),
  FERRY_E_SMP_RATE_LIMITED: e(
    'Too many requests from this client in a short time.',
    'Wait for the number of seconds in the Retry-After header and send again.',
    { http: 429 },
  ),
  FERRY_E_SMP_STORE_INCOMPLETE: e(
    'The store is missing files or chunks, or a file failed verification, so it cannot be released as captured.',
    'Resume the upload (`ferry smp upload`) until every file is verified, then release.',
    { http: 409 },
  ),
  FERRY_E_SMP_STORE_DAMAGED: e(
    'A file of a store is missing or has the wrong size on the State Migration Point: the ' +
      'store was damaged on the server (deleted or truncated outside Ferry).',
    'Restore the storage folder from backup, or delete the store and capture the ' +
      'source computer again; the message names the store and file.',
    { http: 410 },
  ),
  FERRY_E_SMP_STORE_NOT_FOUND: e(
    'No store with this id exists for this computer.',
    'Use the location returned by Request State Store for this computer.',
    { http: 404 },
  ),
  FERRY_E_SMP_STORE_REJECTED: e(
    'The uploaded files are not an intact migration store: its own integrity ' +
      'check (catalog and file authentication with the store key) failed.',
    'Capture the store again with the key from Request State Store and upload it; the rejected upload was not released.',
    { http: 422 },
  ),
  FERRY_E_SMP_STORE_STATE: e(
    'The store is not in a state that allows this operation (e.g. uploading to a released store, ' +
      'restoring before the capture was released, releasing a restore that was not verified).',
    'Follow the order Request → Capture → Release on the source and Request → Restore → Release on the destination.',
    { http: 409 },
  ),
  FERRY_E_SMP_TOO_LARGE: e(
    'An upload is larger than declared or larger than the server allows.',
    'Send chunks of the size the server announced; raise the store size limit (`--max-store-size`) if the store is legitimately larger.',
    { http: 413 },
  ),
  FERRY_E_SMP_UNAUTHORIZED: e(
    'The request has no credential or a wrong one.',
    'Send the computer credential from `ferry smp register` (or the admin token for administration) as `Authorization: Bearer …`.',
    { http: 401 },
  ),
  FERRY_E_SMP_UNKNOWN_COMPUTER: e(
    'The State Migration Point does not know this computer.',
    'Register the computer (`ferry smp register`) or import it (`ferry smp computer add`) before requesting a store.',
    { http: 404 },
  ),
  FERRY_E_SMP_UNREACHABLE: e(
    'No State Migration Point granted the request within the retries (OSDStateSMPRetryCount × OSDStateSMPRetryTime).',
    'Check the SMP URLs, that `ferry smp serve` is running, and the last error in ' +
      'the details; raise the retry count or delay if the SMP is busy.',
  ),

  // ── site, agent, console ───────────────────────────────────────────────────────────────
  FERRY_E_AGENT_ALREADY_REGISTERED: e(
    "An agent registered with the site's shared enrollment token under the name of a computer that is already registered (or revoked).",
    'If the computer was reimaged or revoked, reset it (POST /api/computers/{id}/reset) and ' +
      'start its agent with `--enroll <the reset token>`; otherwise choose another name.',
    { http: 409 },
  ),
  FERRY_E_AGENT_ENROLLMENT_REFUSED: e(
    'An agent tried to register with a missing or wrong enrollment token.',
    'Start the agent with `--enroll <token>` using the token in the site data directory (`enroll-token`).',
    { http: 403 },
  ),
  FERRY_E_AGENT_NAME_RETIRED: e(
    "An agent registered with the site's shared enrollment token under the name of a computer an administrator deleted; the " +
      'name, and the State Migration Point identity it held, stay unusable until the administrator re-admits it.',
    'If this is the deleted computer, an administrator resets its retired record (`GET /api/computers/retired`, ' +
      'then `POST /api/computers/{id}/reset`) and the agent starts with `--enroll <the reset token>`.',
    { http: 409 },
  ),
  FERRY_E_AGENT_REVOKED: e(
    'The agent credential is unknown or was revoked by an administrator.',
    'Reset the computer (POST /api/computers/{id}/reset) and re-register the agent with `ferry agent --enroll <the reset token>`.',
    { http: 401 },
  ),
  FERRY_E_CONSOLE_BUILD_FAILED: e(
    'The web console bundle (console/dist) is missing and could not be built with Vite.',
    'Run `npm run build` to see the error; `npm ci` installs the dependencies and builds the console.',
  ),
  FERRY_E_SITE_AUTH_REQUIRED: e(
    'The request has no valid console session or sign-in token.',
    'Open the sign-in URL that `ferry serve` printed; for a new one, run `ferry ' +
      'console-link --data DIR` with the data directory of the server (no restart needed).',
    { http: 401 },
  ),
  FERRY_E_SITE_CONFLICT: e(
    'The object was changed by someone else since it was loaded (version mismatch).',
    'Reload the object, re-apply your change and save again; nothing was overwritten.',
    { http: 409 },
  ),
  FERRY_E_SITE_CSRF: e(
    'A state-changing request lacked the matching CSRF token header.',
    'Reload the console page; scripts must send the `ferry_csrf` cookie value in the `x-ferry-csrf` header.',
    { http: 403 },
  ),
  FERRY_E_SITE_DUPLICATE_NAME: e('Another object of the same kind already has this name.', 'Choose a different name.', { http: 409 }),
  FERRY_E_SITE_IN_USE: e(
    'The object is still referenced (e.g. a task sequence with deployments).',
    'Delete the deployments or references named in the message first.',
    { http: 409 },
  ),
  FERRY_E_SITE_INVALID: e(
    'A request body or a property value is invalid.',
    'Fix the fields listed in the error details and submit again.',
    { http: 400 },
  ),
  FERRY_E_SITE_RATE_LIMITED: e(
    'Too many failed sign-ins, sessions, agent credentials or enrollment attempts from this address in the last minute.',
    'Wait for the number of seconds in the Retry-After header; check the token or credential the client sends.',
    { http: 429 },
  ),
  FERRY_E_SITE_NOT_FOUND: e('The requested site object does not exist.', 'Check the identifier; the object may have been deleted.', {
    http: 404,
  }),
  FERRY_E_SITE_UNREACHABLE: e(
    'The agent could not reach the site server.',
    'Check `--site URL` and that `ferry serve` is running; the agent retries and resumes.',
  ),
} as const satisfies Record<string, CodeSpec>;

/** Every catalogued code, error or warning. */
export type Code = keyof typeof CODES;
/** A code a FerryError may carry (`FERRY_E_…`). */
export type ErrorCode = Extract<Code, `FERRY_E_${string}`>;
/** A code for a warning event (`FERRY_W_…`); never thrown. */
export type WarningCode = Extract<Code, `FERRY_W_${string}`>;
