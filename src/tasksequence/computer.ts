// The computer a task sequence runs on. On Linux that is a Windows volume tree (`--root`, what
// C:\ maps to) plus an identity; optional readers expose the registry and WMI-like facts for
// conditions. Windows paths are resolved into the root case-insensitively.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** How the computer identifies itself to the sequence: name, MAC address, SMBIOS GUID (the `_SMSTS…` variables). */
export interface ComputerIdentity {
  /** Computer name (`_SMSTSMachineName`). */
  name: string;
  /** MAC address, `00:15:5D:01:02:03`. */
  macAddress: string;
  /** SMBIOS GUID (Win32_ComputerSystemProduct.UUID). */
  smbiosGuid: string;
}

export type RegistryData = string | string[] | number | bigint | Buffer;

/** Read access to the computer's registry, `HKEY_LOCAL_MACHINE\…` style key paths. */
export interface RegistryReader {
  keyExists(keyPath: string): Promise<boolean>;
  /** `undefined` when the key or value does not exist. */
  value(keyPath: string, valueName: string): Promise<{ type: string; data: RegistryData } | undefined>;
}

export type WmiValue = string | number | boolean | null;
/** One WMI object, property name to value, as WQL conditions see it. */
export type WmiInstance = Record<string, WmiValue>;

/** The computer a task sequence runs on: identity, volume root, registry and WMI for conditions. */
export interface TaskSequenceComputer extends ComputerIdentity {
  /** Host path of the volume root (C:\). */
  root: string;
  registry?: RegistryReader;
  /** WMI classes known on this computer (root\cimv2), merged over the ones the identity gives. */
  wmi?: Record<string, WmiInstance[]>;
}

/** Standard system environment of a Windows installation on C:, for `%WINDIR%` in paths. */
export const SYSTEM_ENV: Record<string, string> = {
  SYSTEMDRIVE: 'C:',
  SYSTEMROOT: 'C:\\Windows',
  WINDIR: 'C:\\Windows',
  PROGRAMFILES: 'C:\\Program Files',
  'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
  PROGRAMDATA: 'C:\\ProgramData',
  ALLUSERSPROFILE: 'C:\\ProgramData',
  PUBLIC: 'C:\\Users\\Public',
  COMMONPROGRAMFILES: 'C:\\Program Files\\Common Files',
};

export function expandSystemEnv(text: string): string {
  return text.replace(/%([^%\s]+)%/g, (whole, name: string) => SYSTEM_ENV[name.toUpperCase()] ?? whole);
}

/**
 * Map a path as a step sees it to a host path: `C:\…` (and `\…`) into the volume root, a host
 * absolute path (`/srv/store`) as is. Other drives and UNC paths have no host location: null.
 * Existing components are matched case-insensitively; missing ones keep their spelling.
 */
export function toHostPath(root: string, path: string): string | null {
  if (path.startsWith('/') && isAbsolute(path)) return path;
  const m = /^(?:([A-Za-z]):)?[\\/](.*)$/.exec(path);
  if (!m || path.startsWith('\\\\') || path.startsWith('//')) return null;
  if (m[1] && m[1].toUpperCase() !== 'C') return null;
  let host = root;
  for (const part of m[2]!.split(/[\\/]+/).filter((p) => p !== '' && p !== '.')) {
    if (part === '..') return null;
    host = join(host, matchCase(host, part));
  }
  return host;
}

function matchCase(dir: string, name: string): string {
  try {
    statSync(join(dir, name));
    return name;
  } catch {
    try {
      const lower = name.toLowerCase();
      return readdirSync(dir).find((e) => e.toLowerCase() === lower) ?? name;
    } catch {
      return name;
    }
  }
}

/** `C:\StateStore` → true; `C:\` / `C:` / `\\server\share` → root (true for the UNC share root). */
export function isDriveRoot(path: string): boolean {
  const p = path.trim().replace(/[\\/]+$/, '');
  return /^[A-Za-z]:$/.test(p) || p === '' || /^\\\\[^\\]+\\[^\\]+$/.test(p);
}

/** A UNC (network) path. */
export function isNetworkPath(path: string): boolean {
  return /^(\\\\|\/\/)/.test(path.trim());
}

/** WMI instances the identity itself provides. */
export function identityWmi(c: TaskSequenceComputer): Record<string, WmiInstance[]> {
  return {
    Win32_ComputerSystem: [{ Name: c.name, DNSHostName: c.name }],
    Win32_ComputerSystemProduct: [{ UUID: c.smbiosGuid, IdentifyingNumber: null }],
    Win32_NetworkAdapterConfiguration: [{ MACAddress: c.macAddress.toUpperCase().replace(/-/g, ':'), IPEnabled: true }],
    ...c.wmi,
  };
}
