// MigXML variables (spec/migxml.md §4): the system set, and the per-user set built from the
// known-folder defaults below, overridden by the user's `User Shell Folders` (REG_EXPAND_SZ,
// authoritative) or `Shell Folders` (absolute) values when the NTUSER.DAT is readable, so a
// redirected Documents folder is where %CSIDL_PERSONAL% points. Virtual folders (Recycle Bin,
// Control Panel, Printers, …) have no path and are not defined; expandEnv leaves them as text.
import type { Hive } from '../registry/index.ts';
import { joinWinPath, parseWinPath } from './winpath.ts';

export type Env = Map<string, string>;

const VAR = /%([^%\r\n]+)%/g;

/** Expand `%NAME%` case-insensitively from `env` (upper-case keys); unknown names stay as written. */
export function expandEnv(text: string, env: ReadonlyMap<string, string>): string {
  if (!text.includes('%')) return text;
  return text.replace(VAR, (whole, name: string) => env.get(name.toUpperCase()) ?? whole);
}

/** What the system environment is computed from (hive values when readable, else defaults). */
export interface SystemEnvInput {
  readonly systemDrive: string;
  /** Windows path of the Windows folder, e.g. `C:\Windows`. */
  readonly windowsDir: string;
  readonly is64Bit: boolean;
  readonly computerName: string;
  /** SOFTWARE hive, when readable. */
  readonly software: Hive | null;
}

function stringValue(hive: Hive | null, keyPath: string, name: string): string | null {
  const v = hive?.key(keyPath)?.value(name);
  if (!v) return null;
  const d = v.data;
  return typeof d === 'string' && d.trim() !== '' ? d : null;
}

const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const CURRENT_VERSION = 'Microsoft\\Windows\\CurrentVersion';

export function buildSystemEnv(input: SystemEnvInput): Env {
  const env: Env = new Map();
  const set = (name: string, value: string): void => void env.set(name.toUpperCase(), value);
  const { systemDrive, windowsDir, is64Bit, software } = input;
  // Hive values are REG_EXPAND_SZ relative to the base variables; expand against what is known so far.
  const fromHive = (keyPath: string, name: string, fallback: string): string => {
    const v = stringValue(software, keyPath, name);
    return v ? expandEnv(v, env) : fallback;
  };

  set('SYSTEMDRIVE', systemDrive);
  set('SYSTEMROOT', windowsDir);
  set('WINDIR', windowsDir);
  set('CSIDL_WINDOWS', windowsDir);
  set('COMPUTERNAME', input.computerName);
  set('PROCESSOR_ARCHITECTURE', is64Bit ? 'AMD64' : 'x86');
  const system32 = joinWinPath(windowsDir, 'System32');
  set('SYSTEM', system32);
  set('SYSTEM32', system32);
  set('CSIDL_SYSTEM', system32);
  set('SYSTEM16', joinWinPath(windowsDir, 'system'));
  set('CSIDL_FONTS', joinWinPath(windowsDir, 'Fonts'));
  set('CSIDL_COMMON_FONTS', joinWinPath(windowsDir, 'Fonts'));
  set('CSIDL_RESOURCES', joinWinPath(windowsDir, 'Resources'));
  set('TEMP', joinWinPath(windowsDir, 'Temp'));
  set('TMP', joinWinPath(windowsDir, 'Temp'));

  const programFiles = fromHive(CURRENT_VERSION, 'ProgramFilesDir', `${systemDrive}\\Program Files`);
  const commonFiles = fromHive(CURRENT_VERSION, 'CommonFilesDir', joinWinPath(programFiles, 'Common Files'));
  const programFilesX86 = is64Bit
    ? fromHive(CURRENT_VERSION, 'ProgramFilesDir (x86)', `${systemDrive}\\Program Files (x86)`)
    : programFiles;
  const commonFilesX86 = is64Bit
    ? fromHive(CURRENT_VERSION, 'CommonFilesDir (x86)', joinWinPath(programFilesX86, 'Common Files'))
    : commonFiles;
  for (const n of ['PROGRAMFILES', 'CSIDL_PROGRAM_FILES']) set(n, programFiles);
  for (const n of ['COMMONPROGRAMFILES', 'CSIDL_PROGRAM_FILES_COMMON']) set(n, commonFiles);
  for (const n of ['PROGRAMFILES(X86)', 'CSIDL_PROGRAM_FILESX86']) set(n, programFilesX86);
  for (const n of ['COMMONPROGRAMFILES(X86)', 'CSIDL_PROGRAM_FILES_COMMONX86']) set(n, commonFilesX86);
  if (is64Bit) {
    set('PROGRAMW6432', programFiles);
    set('COMMONPROGRAMW6432', commonFiles);
  }

  const profilesFolder = fromHive(PROFILE_LIST, 'ProfilesDirectory', `${systemDrive}\\Users`);
  set('PROFILESFOLDER', profilesFolder);
  const programData = fromHive(PROFILE_LIST, 'ProgramData', `${systemDrive}\\ProgramData`);
  for (const n of ['PROGRAMDATA', 'ALLUSERSAPPDATA', 'CSIDL_COMMON_APPDATA']) set(n, programData);
  const pub = fromHive(PROFILE_LIST, 'Public', joinWinPath(profilesFolder, 'Public'));
  set('PUBLIC', pub);
  set('ALLUSERSPROFILE', pub);
  const defaultProfile = fromHive(
    PROFILE_LIST,
    'Default',
    fromHive(PROFILE_LIST, 'DefaultUserProfile', joinWinPath(profilesFolder, 'Default')),
  );
  set('DEFAULTUSERPROFILE', defaultProfile);
  const systemProfile = fromHive(`${PROFILE_LIST}\\S-1-5-18`, 'ProfileImagePath', joinWinPath(system32, 'config', 'systemprofile'));
  set('SYSTEMPROFILE', systemProfile);

  set('CSIDL_COMMON_DESKTOPDIRECTORY', joinWinPath(pub, 'Desktop'));
  set('CSIDL_COMMON_DOCUMENTS', joinWinPath(pub, 'Documents'));
  set('CSIDL_COMMON_FAVORITES', joinWinPath(pub, 'Favorites'));
  set('CSIDL_COMMON_MUSIC', joinWinPath(pub, 'Music'));
  set('CSIDL_COMMON_PICTURES', joinWinPath(pub, 'Pictures'));
  set('CSIDL_COMMON_VIDEO', joinWinPath(pub, 'Videos'));
  set('FOLDERID_PUBLICDOWNLOADS', joinWinPath(pub, 'Downloads'));
  set('FOLDERID_RECORDEDTV', joinWinPath(pub, 'Recorded TV'));
  const commonStart = joinWinPath(programData, 'Microsoft', 'Windows', 'Start Menu');
  const commonPrograms = joinWinPath(commonStart, 'Programs');
  set('CSIDL_COMMON_STARTMENU', commonStart);
  set('CSIDL_COMMON_PROGRAMS', commonPrograms);
  set('CSIDL_COMMON_STARTUP', joinWinPath(commonPrograms, 'Startup'));
  set('CSIDL_COMMON_ALTSTARTUP', joinWinPath(commonPrograms, 'Startup'));
  set('CSIDL_COMMON_ADMINTOOLS', joinWinPath(commonPrograms, 'Administrative Tools'));
  set('CSIDL_COMMON_TEMPLATES', joinWinPath(programData, 'Microsoft', 'Windows', 'Templates'));

  for (const [name, rel] of USER_FOLDER_DEFAULTS) set(`CSIDL_DEFAULT_${name.replace(/^CSIDL_/, '')}`, joinWinPath(defaultProfile, rel));
  set('CSIDL_DEFAULT_MYDOCUMENTS', joinWinPath(defaultProfile, 'Documents'));
  set('CSIDL_DEFAULT_QUICKLAUNCH', joinWinPath(defaultProfile, QUICK_LAUNCH));
  return env;
}

const ROAMING = 'AppData\\Roaming';
const LOCAL = 'AppData\\Local';
const QUICK_LAUNCH = `${ROAMING}\\Microsoft\\Internet Explorer\\Quick Launch`;

/** Known folders relative to a profile (Windows 10/11 defaults), used for CSIDL_DEFAULT_* too. */
const USER_FOLDER_DEFAULTS: ReadonlyArray<readonly [string, string]> = [
  ['CSIDL_APPDATA', ROAMING],
  ['CSIDL_LOCAL_APPDATA', LOCAL],
  ['CSIDL_COOKIES', `${ROAMING}\\Microsoft\\Windows\\Cookies`],
  ['CSIDL_CONTACTS', 'Contacts'],
  ['CSIDL_DESKTOP', 'Desktop'],
  ['CSIDL_DOWNLOADS', 'Downloads'],
  ['CSIDL_FAVORITES', 'Favorites'],
  ['CSIDL_HISTORY', `${LOCAL}\\Microsoft\\Windows\\History`],
  ['CSIDL_INTERNET_CACHE', `${LOCAL}\\Microsoft\\Windows\\Temporary Internet Files`],
  ['CSIDL_PERSONAL', 'Documents'],
  ['CSIDL_MYPICTURES', 'Pictures'],
  ['CSIDL_MYMUSIC', 'Music'],
  ['CSIDL_MYVIDEO', 'Videos'],
  ['CSIDL_RECENT', `${ROAMING}\\Microsoft\\Windows\\Recent`],
  ['CSIDL_SENDTO', `${ROAMING}\\Microsoft\\Windows\\SendTo`],
  ['CSIDL_STARTMENU', `${ROAMING}\\Microsoft\\Windows\\Start Menu`],
  ['CSIDL_PROGRAMS', `${ROAMING}\\Microsoft\\Windows\\Start Menu\\Programs`],
  ['CSIDL_STARTUP', `${ROAMING}\\Microsoft\\Windows\\Start Menu\\Programs\\Startup`],
  ['CSIDL_TEMPLATES', `${ROAMING}\\Microsoft\\Windows\\Templates`],
];

/**
 * Shell-folder value names (HKCU\…\Explorer\[User ]Shell Folders) → the variables they define.
 * Folders derived from another one (Programs from Start Menu, Temp from Local AppData, …) follow
 * their parent when only the parent is redirected.
 */
const SHELL_FOLDER_VARS: Readonly<Record<string, readonly string[]>> = {
  APPDATA: ['CSIDL_APPDATA', 'APPDATA'],
  'LOCAL APPDATA': ['CSIDL_LOCAL_APPDATA', 'LOCALAPPDATA'],
  CACHE: ['CSIDL_INTERNET_CACHE'],
  COOKIES: ['CSIDL_COOKIES'],
  DESKTOP: ['CSIDL_DESKTOP', 'CSIDL_DESKTOPDIRECTORY'],
  FAVORITES: ['CSIDL_FAVORITES'],
  HISTORY: ['CSIDL_HISTORY'],
  'MY MUSIC': ['CSIDL_MYMUSIC'],
  'MY PICTURES': ['CSIDL_MYPICTURES'],
  'MY VIDEO': ['CSIDL_MYVIDEO'],
  PERSONAL: ['CSIDL_PERSONAL', 'CSIDL_MYDOCUMENTS'],
  PROGRAMS: ['CSIDL_PROGRAMS'],
  RECENT: ['CSIDL_RECENT'],
  SENDTO: ['CSIDL_SENDTO'],
  'START MENU': ['CSIDL_STARTMENU'],
  STARTUP: ['CSIDL_STARTUP', 'CSIDL_ALTSTARTUP'],
  TEMPLATES: ['CSIDL_TEMPLATES'],
  NETHOOD: ['CSIDL_NETHOOD'],
  PRINTHOOD: ['CSIDL_PRINTHOOD'],
  'ADMINISTRATIVE TOOLS': ['CSIDL_ADMINTOOLS'],
  'CD BURNING': ['CSIDL_CDBURN_AREA'],
  '{374DE290-123F-4565-9164-39C4925E467B}': ['FOLDERID_DOWNLOADS', 'CSIDL_DOWNLOADS'],
  '{56784854-C6CB-462B-8169-88E350ACB882}': ['FOLDERID_CONTACTS', 'CSIDL_CONTACTS'],
  '{4C5C32FF-BB9D-43B0-B5B4-2D72E54EAAA4}': ['FOLDERID_SAVEDGAMES'],
  '{1B3EA5DC-B587-4786-B4EF-BD1DC332AEAE}': ['FOLDERID_LIBRARIES'],
  '{2C36C0AA-5812-4B87-BFD0-4CD0DFB19B39}': ['FOLDERID_ORIGINALIMAGES'],
  '{BFB9D5E0-C6A9-404C-B2B2-AE6DB6AF4968}': ['FOLDERID_LINKS'],
  '{7D1D3A04-DEBB-4115-95CF-2F29DA2920DA}': ['FOLDERID_SAVEDSEARCHES'],
  '{3EB685DB-65F9-4CF6-A03A-E3EF65729F3D}': ['FOLDERID_ROAMINGAPPDATA'],
};

const SHELL_FOLDERS = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders';
const USER_SHELL_FOLDERS = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders';

export interface UserEnvInput {
  readonly userName: string;
  readonly domain: string;
  readonly sid?: string;
  /** Windows profile path, `C:\Users\alice`. */
  readonly profilePath: string;
  /** The user's NTUSER.DAT, when readable. */
  readonly ntuser: Hive | null;
}

/** Per-user variables (§4.2) on top of a copy of the system set. */
export function buildUserEnv(system: ReadonlyMap<string, string>, input: UserEnvInput): Env {
  const env: Env = new Map(system);
  const set = (name: string, value: string): void => void env.set(name.toUpperCase(), value);
  const profile = input.profilePath;
  const { drive } = parseWinPath(profile);
  set('USERPROFILE', profile);
  set('CSIDL_PROFILE', profile);
  set('FOLDERID_PROFILE', profile);
  set('USERNAME', input.userName);
  set('USERDOMAIN', input.domain);
  if (input.sid) set('USERSID', input.sid);
  set('HOMEDRIVE', drive || String(system.get('SYSTEMDRIVE') ?? 'C:'));
  set('HOMEPATH', profile.slice((drive || '').length) || '\\');

  const redirected = readShellFolders(input.ntuser, env);
  const folder = (name: string, fallback: () => string): string => {
    const v = redirected.get(name) ?? fallback();
    set(name, v);
    return v;
  };
  const under = (rel: string) => () => joinWinPath(profile, rel);

  const appData = folder('CSIDL_APPDATA', under(ROAMING));
  set('APPDATA', appData);
  set('FOLDERID_ROAMINGAPPDATA', redirected.get('FOLDERID_ROAMINGAPPDATA') ?? appData);
  const localAppData = folder('CSIDL_LOCAL_APPDATA', under(LOCAL));
  set('LOCALAPPDATA', localAppData);
  set('TEMP', joinWinPath(localAppData, 'Temp'));
  set('TMP', joinWinPath(localAppData, 'Temp'));

  const desktop = folder('CSIDL_DESKTOP', under('Desktop'));
  set('CSIDL_DESKTOPDIRECTORY', redirected.get('CSIDL_DESKTOPDIRECTORY') ?? desktop);
  const personal = folder('CSIDL_PERSONAL', under('Documents'));
  set('CSIDL_MYDOCUMENTS', redirected.get('CSIDL_MYDOCUMENTS') ?? personal);
  folder('CSIDL_FAVORITES', under('Favorites'));
  const music = folder('CSIDL_MYMUSIC', under('Music'));
  set('CSIDL_PLAYLISTS', joinWinPath(music, 'Playlists'));
  folder('CSIDL_MYPICTURES', under('Pictures'));
  folder('CSIDL_MYVIDEO', under('Videos'));
  const contacts = folder('FOLDERID_CONTACTS', under('Contacts'));
  set('CSIDL_CONTACTS', redirected.get('CSIDL_CONTACTS') ?? contacts);
  const downloads = folder('FOLDERID_DOWNLOADS', under('Downloads'));
  set('CSIDL_DOWNLOADS', redirected.get('CSIDL_DOWNLOADS') ?? downloads);
  folder('FOLDERID_SAVEDGAMES', under('Saved Games'));
  folder('FOLDERID_LINKS', under('Links'));
  folder('FOLDERID_SAVEDSEARCHES', under('Searches'));

  const winRoaming = joinWinPath(appData, 'Microsoft', 'Windows');
  const winLocal = joinWinPath(localAppData, 'Microsoft', 'Windows');
  folder('FOLDERID_LIBRARIES', () => joinWinPath(winRoaming, 'Libraries'));
  folder('FOLDERID_ORIGINALIMAGES', () => joinWinPath(localAppData, 'Microsoft', 'Windows Photo Gallery', 'Original Images'));
  folder('CSIDL_COOKIES', () => joinWinPath(winRoaming, 'Cookies'));
  folder('CSIDL_RECENT', () => joinWinPath(winRoaming, 'Recent'));
  folder('CSIDL_SENDTO', () => joinWinPath(winRoaming, 'SendTo'));
  folder('CSIDL_TEMPLATES', () => joinWinPath(winRoaming, 'Templates'));
  folder('CSIDL_NETHOOD', () => joinWinPath(winRoaming, 'Network Shortcuts'));
  folder('CSIDL_PRINTHOOD', () => joinWinPath(winRoaming, 'Printer Shortcuts'));
  folder('CSIDL_HISTORY', () => joinWinPath(winLocal, 'History'));
  folder('CSIDL_INTERNET_CACHE', () => joinWinPath(winLocal, 'Temporary Internet Files'));
  folder('CSIDL_CDBURN_AREA', () => joinWinPath(winLocal, 'Burn', 'Burn'));
  const startMenu = folder('CSIDL_STARTMENU', () => joinWinPath(winRoaming, 'Start Menu'));
  const programs = folder('CSIDL_PROGRAMS', () => joinWinPath(startMenu, 'Programs'));
  const startup = folder('CSIDL_STARTUP', () => joinWinPath(programs, 'Startup'));
  set('CSIDL_ALTSTARTUP', redirected.get('CSIDL_ALTSTARTUP') ?? startup);
  folder('CSIDL_ADMINTOOLS', () => joinWinPath(programs, 'Administrative Tools'));
  set('CSIDL_QUICKLAUNCH', joinWinPath(appData, 'Microsoft', 'Internet Explorer', 'Quick Launch'));

  const virtualStore = joinWinPath(localAppData, 'VirtualStore');
  const relToDrive = (p: string): string => parseWinPath(p).parts.join('\\');
  set('CSIDL_VIRTUALSTORE_PROGRAMFILES', joinWinPath(virtualStore, relToDrive(env.get('PROGRAMFILES')!)));
  set('CSIDL_VIRTUALSTORE_PROGRAMFILES(X86)', joinWinPath(virtualStore, relToDrive(env.get('PROGRAMFILES(X86)')!)));
  set('CSIDL_VIRTUALSTORE_COMMONPROGRAMFILES', joinWinPath(virtualStore, relToDrive(env.get('COMMONPROGRAMFILES')!)));
  set('CSIDL_VIRTUALSTORE_COMMONPROGRAMFILES(X86)', joinWinPath(virtualStore, relToDrive(env.get('COMMONPROGRAMFILES(X86)')!)));
  return env;
}

/** Redirected folders from the user's hive: variable name → Windows path. */
function readShellFolders(ntuser: Hive | null, env: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  if (!ntuser) return out;
  // `Shell Folders` first, then `User Shell Folders` over it: the latter is what Explorer uses.
  for (const keyPath of [SHELL_FOLDERS, USER_SHELL_FOLDERS]) {
    const key = ntuser.key(keyPath);
    if (!key) continue;
    for (const v of key.values()) {
      const vars = SHELL_FOLDER_VARS[v.name.toUpperCase()];
      if (!vars || typeof v.data !== 'string' || v.data.trim() === '') continue;
      const path = expandEnv(v.data.trim(), env).replace(/[\\/]+$/, '');
      for (const name of vars) out.set(name, /^[A-Za-z]:$/.test(path) ? `${path}\\` : path);
    }
  }
  return out;
}
