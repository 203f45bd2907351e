// Facts about the computer read from its volume: the HKLM hives (for registry and installed
// software conditions) and Win32_OperatingSystem (for OS version WMI conditions), from
// Windows\System32\config\SOFTWARE and SYSTEM. A missing or unreadable hive leaves the
// corresponding conditions "cannot be evaluated", never guessed.
import { existsSync } from 'node:fs';
import { readHiveFile, regTypeName, type RegKey } from '../registry/index.ts';
import { toHostPath, type RegistryReader, type WmiInstance } from './computer.ts';

const HIVES: Record<string, string> = { SOFTWARE: 'SOFTWARE', SYSTEM: 'SYSTEM', SAM: 'SAM', SECURITY: 'SECURITY' };

function split(keyPath: string): { hive: string; rest: string } | undefined {
  const m = /^(?:HKEY_LOCAL_MACHINE|HKLM)\\([^\\]+)(?:\\(.*))?$/i.exec(keyPath.trim().replace(/\\+$/, ''));
  if (!m) return undefined;
  const hive = HIVES[m[1]!.toUpperCase()];
  return hive ? { hive, rest: m[2] ?? '' } : undefined;
}

/** HKLM of the volume under `root`; undefined when it has no readable SOFTWARE/SYSTEM hive. */
export function volumeRegistry(root: string): RegistryReader | undefined {
  const hivePath = (name: string) => toHostPath(root, `C:\\Windows\\System32\\config\\${name}`);
  const present = ['SOFTWARE', 'SYSTEM'].some((h) => {
    const p = hivePath(h);
    return p !== null && existsSync(p);
  });
  if (!present) return undefined;
  const withKey = <T>(keyPath: string, fn: (key: RegKey | null) => T, missing: T): T => {
    const s = split(keyPath);
    if (!s) return missing;
    const file = hivePath(s.hive);
    if (file === null || !existsSync(file)) return missing;
    return readHiveFile(file, (hive) => fn(hive.key(s.rest)), { allowDirty: true });
  };
  return {
    keyExists: async (keyPath) => withKey(keyPath, (k) => k !== null, false),
    value: async (keyPath, valueName) =>
      withKey(
        keyPath,
        (k) => {
          const v = k?.value(valueName);
          return v ? { type: regTypeName(v.type), data: v.data } : undefined;
        },
        undefined,
      ),
  };
}

/** Win32_OperatingSystem from SOFTWARE\Microsoft\Windows NT\CurrentVersion, when readable. */
export async function operatingSystemWmi(reg: RegistryReader | undefined): Promise<WmiInstance[] | undefined> {
  if (!reg) return undefined;
  const key = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
  const text = async (name: string) => {
    const v = await reg.value(key, name).catch(() => undefined);
    return v === undefined ? undefined : String(v.data);
  };
  const build = await text('CurrentBuildNumber');
  if (build === undefined) return undefined;
  const major = await text('CurrentMajorVersionNumber');
  const minor = await text('CurrentMinorVersionNumber');
  const legacy = await text('CurrentVersion');
  const version = major !== undefined ? `${major}.${minor ?? '0'}.${build}` : `${legacy ?? '6.1'}.${build}`;
  const installation = (await text('InstallationType')) ?? 'Client';
  return [
    {
      Version: version,
      BuildNumber: build,
      Caption: `Microsoft ${(await text('ProductName')) ?? 'Windows'}`,
      ProductType: installation.toLowerCase() === 'client' ? 1 : 3,
      OSArchitecture: '64-bit',
      SystemDrive: 'C:',
      WindowsDirectory: 'C:\\Windows',
    },
  ];
}

/** The computer name stored in the volume's SYSTEM hive, when readable. */
export async function computerNameFromVolume(reg: RegistryReader | undefined): Promise<string | undefined> {
  if (!reg) return undefined;
  const current = await reg.value('HKEY_LOCAL_MACHINE\\SYSTEM\\Select', 'Current').catch(() => undefined);
  const n = typeof current?.data === 'number' ? current.data : 1;
  for (const set of [`ControlSet${String(n).padStart(3, '0')}`, 'ControlSet001']) {
    const v = await reg
      .value(`HKEY_LOCAL_MACHINE\\SYSTEM\\${set}\\Control\\ComputerName\\ComputerName`, 'ComputerName')
      .catch(() => undefined);
    if (v && typeof v.data === 'string' && v.data !== '') return v.data;
  }
  return undefined;
}
