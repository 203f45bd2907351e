// The sample volume's registry hives, written with Ferry's own regf writer (src/registry):
// a user's NTUSER.DAT (Shell Folders, User Shell Folders and a few typical settings), SOFTWARE
// (Windows version, installed applications and a ProfileList that lists exactly the profiles
// the volume holds), SYSTEM (computer name, time zone, TCP/IP) and empty hives for SAM, SECURITY
// and UsrClass.dat. Every key and file timestamp is fixed, so the same profiles give the same bytes.
import { encodeSid, HiveEditor, RegType } from '../registry/index.ts';

const FIXED_MS = Date.UTC(2024, 0, 1);
/** The machine SID of the sample computer; user SIDs are this plus a RID. */
export const SID_BASE = 'S-1-5-21-3623811015-3361044348-30300820';
/** The sample computer's name, in its SYSTEM hive. */
export const COMPUTER_NAME = 'DESKTOP-FIXTURE';

/** A value: string = REG_SZ, number = REG_DWORD, string[] = REG_MULTI_SZ, Buffer = REG_BINARY, `{ expand }` = REG_EXPAND_SZ. */
type Value = string | number | readonly string[] | Buffer | { readonly expand: string };
type Keys = Record<string, Record<string, Value>>;

function hive(embeddedName: string, keys: Keys): Buffer {
  const e = HiveEditor.create({ rootName: 'ROOT', embeddedName, now: () => FIXED_MS });
  for (const [path, values] of Object.entries(keys)) {
    e.ensureKey(path);
    for (const [name, v] of Object.entries(values)) {
      if (typeof v === 'string') e.setValue(path, name, RegType.SZ, v);
      else if (typeof v === 'number') e.setValue(path, name, RegType.DWORD, v);
      else if (Buffer.isBuffer(v)) e.setValue(path, name, RegType.BINARY, v);
      else if (Array.isArray(v)) e.setValue(path, name, RegType.MULTI_SZ, v);
      else e.setValue(path, name, RegType.EXPAND_SZ, (v as { expand: string }).expand);
    }
  }
  return e.toBuffer();
}

export const emptyHive = (embeddedName: string): Buffer => hive(embeddedName, {});

const EXPLORER = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer';
const DOWNLOADS = '{374DE290-123F-4565-9164-39C4925E467B}';
/** Known folders as (value name, path under the profile). */
const SHELL_FOLDERS: ReadonlyArray<readonly [string, string, boolean]> = [
  // [name, relative path, also in User Shell Folders]
  ['AppData', 'AppData\\Roaming', true],
  ['Cache', 'AppData\\Local\\Microsoft\\Windows\\INetCache', true],
  ['Cookies', 'AppData\\Local\\Microsoft\\Windows\\INetCookies', false],
  ['Desktop', 'Desktop', true],
  ['Favorites', 'Favorites', true],
  ['History', 'AppData\\Local\\Microsoft\\Windows\\History', false],
  ['Local AppData', 'AppData\\Local', true],
  ['My Music', 'Music', true],
  ['My Pictures', 'Pictures', true],
  ['My Video', 'Videos', true],
  ['Personal', 'Documents', true],
  ['Programs', 'AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs', false],
  ['Recent', 'AppData\\Roaming\\Microsoft\\Windows\\Recent', false],
  ['SendTo', 'AppData\\Roaming\\Microsoft\\Windows\\SendTo', false],
  ['Start Menu', 'AppData\\Roaming\\Microsoft\\Windows\\Start Menu', true],
  ['Startup', 'AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup', false],
  ['Templates', 'AppData\\Roaming\\Microsoft\\Windows\\Templates', false],
  [DOWNLOADS, 'Downloads', true],
];

/** A user's NTUSER.DAT for the profile folder `C:\Users\<folder>` (`Default` for the Default profile). */
export function userHive(folder: string): Buffer {
  const home = `C:\\Users\\${folder}`;
  const share = (path: string): Record<string, Value> => ({
    RemotePath: path,
    UserName: '',
    ProviderName: 'Microsoft Windows Network',
    ProviderType: 0x20000,
    ConnectionType: 1,
    ConnectFlags: 0,
    DeferFlags: 4,
  });
  const printer = (n: number): Record<string, Value> => ({
    GuidPrinter: `{0E2B3E5A-8E39-4C4C-9B1B-3C2B5D0A100${n}}`,
    Server: '\\\\printsrv01.corp.example',
    Provider: 'win32spl.dll',
  });
  const outlook = 'Software\\Microsoft\\Office\\16.0\\Outlook';
  return hive(`\\??\\${home}\\ntuser.dat`, {
    AppEvents: {},
    Console: { FaceName: 'Consolas', FontSize: 0x100000 },
    'Control Panel\\Desktop': {
      Wallpaper: `${home}\\Pictures\\wallpaper.jpg`,
      WallpaperStyle: '10',
      TileWallpaper: '0',
      ScreenSaveActive: '1',
      ScreenSaveTimeOut: '600',
    },
    'Control Panel\\International': { LocaleName: 'en-US', sShortDate: 'M/d/yyyy', sTimeFormat: 'h:mm:ss tt' },
    'Control Panel\\Mouse': { MouseSpeed: '1', DoubleClickSpeed: '500' },
    Environment: {
      TEMP: { expand: '%USERPROFILE%\\AppData\\Local\\Temp' },
      TMP: { expand: '%USERPROFILE%\\AppData\\Local\\Temp' },
      OneDrive: `${home}\\OneDrive`,
    },
    'Keyboard Layout\\Preload': { 1: '00000409', 2: '00000407' },
    'Network\\Z': share(`\\\\filesrv01.corp.example\\home$\\${folder}`),
    'Network\\S': share('\\\\filesrv01.corp.example\\shared'),
    'Printers\\Connections\\,,printsrv01.corp.example,HR-Laser': printer(1),
    'Printers\\Connections\\,,printsrv01.corp.example,Floor2-Color': printer(2),
    'Software\\Google\\Chrome': {},
    'Software\\Microsoft\\Internet Explorer\\Main': { 'Start Page': 'https://intranet.corp.example/' },
    'Software\\Microsoft\\Office\\16.0\\Common\\General': { Signatures: 'Signatures' },
    'Software\\Microsoft\\Office\\16.0\\Common\\MailSettings': { NewSignature: 'Work', ReplySignature: 'Work (short)' },
    [`${outlook}\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676\\00000002`]: {
      'Account Name': `${folder}@corp.example`,
      'New Signature': 'Work',
      'Reply-Forward Signature': 'Work (short)',
    },
    [`${outlook}\\Setup`]: { 'First-Run': Buffer.from([1, 0, 0, 0]) },
    [`${EXPLORER}\\Advanced`]: { HideFileExt: 0, Hidden: 1, TaskbarAl: 0 },
    [`${EXPLORER}\\Shell Folders`]: Object.fromEntries(SHELL_FOLDERS.map(([n, rel]) => [n, `${home}\\${rel}`])),
    [`${EXPLORER}\\User Shell Folders`]: Object.fromEntries(
      SHELL_FOLDERS.filter((s) => s[2]).map(([n, rel]) => [n, { expand: `%USERPROFILE%\\${rel}` }]),
    ),
    'Software\\Microsoft\\Windows\\CurrentVersion\\Run': {
      OneDrive: `"${home}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background`,
    },
    'Software\\Microsoft\\Windows NT\\CurrentVersion\\Devices': {
      '\\\\printsrv01.corp.example\\HR-Laser': 'winspool,Ne01:',
      '\\\\printsrv01.corp.example\\Floor2-Color': 'winspool,Ne02:',
    },
    'Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows': {
      Device: '\\\\printsrv01.corp.example\\HR-Laser,winspool,Ne01:',
      LegacyDefaultPrinterMode: 1,
    },
    'Software\\Mozilla': {},
    'Software\\Policies': {},
  });
}

export interface ProfileEntry {
  readonly rid: number;
  readonly folder: string;
}

const uninstall = (name: string, version: string, publisher: string, location: string): Record<string, Value> => ({
  DisplayName: name,
  DisplayVersion: version,
  Publisher: publisher,
  InstallLocation: location,
});

/** SOFTWARE: Windows version, installed applications, and a ProfileList of exactly `profiles`. */
export function softwareHive(profiles: readonly ProfileEntry[]): Buffer {
  const cv = 'Microsoft\\Windows\\CurrentVersion';
  const list = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
  const keys: Keys = {
    'Classes\\.docx': { '': 'Word.Document.12' },
    'Classes\\.pdf': { '': 'AcroExch.Document.DC' },
    'Clients\\StartMenuInternet\\Google Chrome': { '': 'Google Chrome' },
    'Google\\Chrome': {},
    'Microsoft\\Office\\ClickToRun\\Configuration': {
      Platform: 'x64',
      ProductReleaseIds: 'O365ProPlusRetail',
      VersionToReport: '16.0.17328.20142',
    },
    [cv]: {
      ProgramFilesDir: 'C:\\Program Files',
      'ProgramFilesDir (x86)': 'C:\\Program Files (x86)',
      CommonFilesDir: 'C:\\Program Files\\Common Files',
    },
    [`${cv}\\App Paths\\chrome.exe`]: {
      '': 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      Path: 'C:\\Program Files\\Google\\Chrome\\Application',
    },
    [`${cv}\\App Paths\\firefox.exe`]: {
      '': 'C:\\Program Files\\Mozilla Firefox\\firefox.exe',
      Path: 'C:\\Program Files\\Mozilla Firefox',
    },
    [`${cv}\\App Paths\\OUTLOOK.EXE`]: {
      '': 'C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE',
      Path: 'C:\\Program Files\\Microsoft Office\\Root\\Office16\\',
    },
    [`${cv}\\Uninstall\\7-Zip`]: uninstall('7-Zip 23.01 (x64)', '23.01', 'Igor Pavlov', 'C:\\Program Files\\7-Zip\\'),
    [`${cv}\\Uninstall\\Google Chrome`]: uninstall(
      'Google Chrome',
      '120.0.6099.130',
      'Google LLC',
      'C:\\Program Files\\Google\\Chrome\\Application',
    ),
    [`${cv}\\Uninstall\\Mozilla Firefox 121.0 (x64 en-US)`]: uninstall(
      'Mozilla Firefox (x64 en-US)',
      '121.0',
      'Mozilla',
      'C:\\Program Files\\Mozilla Firefox',
    ),
    [`${cv}\\Uninstall\\O365ProPlusRetail - en-us`]: uninstall(
      'Microsoft 365 Apps for enterprise - en-us',
      '16.0.17328.20142',
      'Microsoft Corporation',
      'C:\\Program Files\\Microsoft Office',
    ),
    'Microsoft\\Windows NT\\CurrentVersion': {
      ProductName: 'Windows 10 Pro',
      EditionID: 'Professional',
      InstallationType: 'Client',
      CurrentVersion: '6.3',
      CurrentBuild: '22631',
      CurrentBuildNumber: '22631',
      DisplayVersion: '23H2',
      ReleaseId: '2009',
      CurrentMajorVersionNumber: 10,
      CurrentMinorVersionNumber: 0,
      UBR: 0xc1c,
      BuildLab: '22621.ni_release.220506-1250',
      InstallDate: 0x65920080,
      RegisteredOwner: 'Fixture User',
      RegisteredOrganization: 'Example Corp',
      SystemRoot: 'C:\\WINDOWS',
      PathName: 'C:\\WINDOWS',
    },
    [list]: {
      Default: { expand: '%SystemDrive%\\Users\\Default' },
      ProfilesDirectory: { expand: '%SystemDrive%\\Users' },
      ProgramData: { expand: '%SystemDrive%\\ProgramData' },
      Public: { expand: '%SystemDrive%\\Users\\Public' },
    },
    [`${list}\\S-1-5-18`]: {
      Flags: 12,
      ProfileImagePath: { expand: '%systemroot%\\system32\\config\\systemprofile' },
      RefCount: 1,
      Sid: encodeSid('S-1-5-18'),
      State: 0,
    },
    [`${list}\\S-1-5-19`]: { Flags: 0, ProfileImagePath: { expand: '%systemroot%\\ServiceProfiles\\LocalService' }, State: 0 },
    [`${list}\\S-1-5-20`]: { Flags: 0, ProfileImagePath: { expand: '%systemroot%\\ServiceProfiles\\NetworkService' }, State: 0 },
  };
  for (const p of profiles) {
    const sid = `${SID_BASE}-${p.rid}`;
    keys[`${list}\\${sid}`] = {
      Flags: 0,
      FullProfile: 1,
      ProfileImagePath: { expand: `C:\\Users\\${p.folder}` },
      Sid: encodeSid(sid),
      State: 0,
    };
  }
  keys.Mozilla = {};
  keys.Policies = {};
  keys.WOW6432Node = {};
  return hive('\\SystemRoot\\System32\\Config\\SOFTWARE', keys);
}

/** SYSTEM: one control set with the computer name, language, time zone and TCP/IP parameters. */
export function systemHive(): Buffer {
  const cs = 'ControlSet001';
  return hive('\\SystemRoot\\System32\\Config\\SYSTEM', {
    [`${cs}\\Control`]: { SystemStartOptions: ' NOEXECUTE=OPTIN' },
    [`${cs}\\Control\\ComputerName\\ComputerName`]: { ComputerName: COMPUTER_NAME },
    [`${cs}\\Control\\Nls\\Language`]: { Default: '0409', InstallLanguage: '0409' },
    [`${cs}\\Control\\TimeZoneInformation`]: { TimeZoneKeyName: 'W. Europe Standard Time', Bias: 0xffffffc4 },
    [`${cs}\\Services\\Tcpip\\Parameters`]: { Hostname: COMPUTER_NAME, Domain: 'corp.example' },
    MountedDevices: {},
    Select: { Current: 1, Default: 1, Failed: 0, LastKnownGood: 1 },
    Setup: { SystemSetupInProgress: 0 },
  });
}
