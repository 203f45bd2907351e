// Registry path helpers shared by the reader, the editor and callers that print registry
// objects in MigXML's encoded-location form (`HKCU\Control Panel\Desktop [Wallpaper]`).

/** Key path parts: split at `\`, empty parts (leading, trailing or doubled `\`) dropped. */
export function splitRegPath(path: string): string[] {
  return path.split('\\').filter((p) => p !== '');
}

/** The key at `A\B\C` below `root`, each part found with the key's own `subkey`; null when a part is missing. */
export function keyAtPath<K extends { subkey(name: string): K | null }>(root: K, path: string): K | null {
  let k: K | null = root;
  for (const part of splitRegPath(path)) {
    k = k.subkey(part);
    if (!k) return null;
  }
  return k;
}

/** Join key path parts (or partial paths) with `\`, ignoring empty ones. */
export function joinRegPath(...parts: string[]): string {
  return parts.flatMap(splitRegPath).join('\\');
}

const ROOT_ABBREVIATIONS: Record<string, string> = {
  HKEY_CURRENT_USER: 'HKCU',
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKEY_USERS: 'HKU',
  HKEY_CURRENT_CONFIG: 'HKCC',
};

/**
 * A registry object in MigXML encoded-location form: `ROOT\key\path` for a key,
 * `ROOT\key\path [value]` for a value (`[]` is the default value). `root` is e.g. `HKCU`,
 * `HKLM\SOFTWARE` or `HKEY_CURRENT_USER` (long names are abbreviated). Brackets and `^` in a
 * value name are escaped with `^`, as the MigXML parser expects.
 */
export function formatRegPath(root: string, keyPath: string, valueName?: string | null): string {
  const [first = '', ...rest] = splitRegPath(root);
  const node = joinRegPath(ROOT_ABBREVIATIONS[first.toUpperCase()] ?? first, ...rest, keyPath);
  return valueName === undefined || valueName === null ? node : `${node} [${valueName.replace(/[[\]^]/g, '^$&')}]`;
}
