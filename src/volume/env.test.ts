import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSystemEnv, buildUserEnv, expandEnv } from './env.ts';
import { memoryHive } from './memory-hive.ts';
import { RegType } from '../registry/index.ts';

const SHELL = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer';

test('expandEnv: case-insensitive, unknown names kept, single pass', () => {
  const env = new Map([
    ['USERPROFILE', 'C:\\Users\\alice'],
    ['PROGRAMFILES(X86)', 'C:\\Program Files (x86)'],
    ['LOOP', '%USERPROFILE%'],
  ]);
  assert.equal(expandEnv('%userprofile%\\Documents', env), 'C:\\Users\\alice\\Documents');
  assert.equal(expandEnv('%ProgramFiles(x86)%\\App', env), 'C:\\Program Files (x86)\\App');
  assert.equal(expandEnv('%NOPE%\\x %USERPROFILE%', env), '%NOPE%\\x C:\\Users\\alice');
  assert.equal(expandEnv('100% sure', env), '100% sure');
  assert.equal(expandEnv('%LOOP%', env), '%USERPROFILE%', 'values are not expanded again');
  assert.equal(expandEnv('no vars', env), 'no vars');
});

test('system variables from the SOFTWARE hive (REG_EXPAND_SZ against the base variables)', () => {
  const software = memoryHive({
    'Microsoft\\Windows NT\\CurrentVersion\\ProfileList': {
      ProfilesDirectory: [RegType.EXPAND_SZ, '%SystemDrive%\\Profiles'],
      ProgramData: [RegType.EXPAND_SZ, '%SystemDrive%\\ProgramData'],
      Public: [RegType.EXPAND_SZ, '%SystemDrive%\\Profiles\\Public'],
      Default: [RegType.EXPAND_SZ, '%SystemDrive%\\Profiles\\Default'],
    },
    'Microsoft\\Windows\\CurrentVersion': { ProgramFilesDir: [RegType.SZ, 'D:\\Apps'] },
  });
  const env = buildSystemEnv({ systemDrive: 'C:', windowsDir: 'C:\\WINNT', is64Bit: false, computerName: 'PC1', software });
  assert.equal(env.get('PROFILESFOLDER'), 'C:\\Profiles');
  assert.equal(env.get('PUBLIC'), 'C:\\Profiles\\Public');
  assert.equal(env.get('ALLUSERSPROFILE'), 'C:\\Profiles\\Public');
  assert.equal(env.get('CSIDL_COMMON_DESKTOPDIRECTORY'), 'C:\\Profiles\\Public\\Desktop');
  assert.equal(env.get('DEFAULTUSERPROFILE'), 'C:\\Profiles\\Default');
  assert.equal(env.get('CSIDL_DEFAULT_APPDATA'), 'C:\\Profiles\\Default\\AppData\\Roaming');
  assert.equal(env.get('PROGRAMFILES'), 'D:\\Apps');
  assert.equal(env.get('COMMONPROGRAMFILES'), 'D:\\Apps\\Common Files');
  assert.equal(env.get('PROGRAMFILES(X86)'), 'D:\\Apps', '32-bit Windows: the x86 folders are the only ones');
  assert.equal(env.get('WINDIR'), 'C:\\WINNT');
  assert.equal(env.get('SYSTEM32'), 'C:\\WINNT\\System32');
  assert.equal(env.has('PROGRAMW6432'), false);
});

test('defaults without a hive', () => {
  const env = buildSystemEnv({ systemDrive: 'C:', windowsDir: 'C:\\Windows', is64Bit: true, computerName: 'PC1', software: null });
  assert.equal(env.get('PROGRAMFILES(X86)'), 'C:\\Program Files (x86)');
  assert.equal(env.get('CSIDL_COMMON_APPDATA'), 'C:\\ProgramData');
  assert.equal(env.get('CSIDL_COMMON_STARTMENU'), 'C:\\ProgramData\\Microsoft\\Windows\\Start Menu');
  assert.equal(env.get('SYSTEMPROFILE'), 'C:\\Windows\\System32\\config\\systemprofile');
  const user = buildUserEnv(env, { userName: 'bob', domain: 'PC1', profilePath: 'C:\\Users\\bob', ntuser: null });
  assert.equal(user.get('CSIDL_APPDATA'), 'C:\\Users\\bob\\AppData\\Roaming');
  assert.equal(user.get('CSIDL_LOCAL_APPDATA'), 'C:\\Users\\bob\\AppData\\Local');
  assert.equal(user.get('TEMP'), 'C:\\Users\\bob\\AppData\\Local\\Temp');
  assert.equal(user.get('CSIDL_PROGRAMS'), 'C:\\Users\\bob\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs');
  assert.equal(user.get('FOLDERID_SAVEDGAMES'), 'C:\\Users\\bob\\Saved Games');
  assert.equal(user.get('CSIDL_VIRTUALSTORE_PROGRAMFILES(X86)'), 'C:\\Users\\bob\\AppData\\Local\\VirtualStore\\Program Files (x86)');
  assert.equal(user.get('HOMEPATH'), '\\Users\\bob');
  assert.equal(user.has('USERSID'), false);
  assert.equal(user.has('CSIDL_BITBUCKET'), false, 'virtual folders have no path');
});

test('redirected folders: User Shell Folders wins over Shell Folders, dependants follow their parent', () => {
  const ntuser = memoryHive({
    [`${SHELL}\\Shell Folders`]: {
      Personal: [RegType.SZ, 'C:\\Users\\bob\\Documents'],
      'My Music': [RegType.SZ, 'C:\\Users\\bob\\Music'],
      'Start Menu': [RegType.SZ, 'E:\\Menu'],
    },
    [`${SHELL}\\User Shell Folders`]: {
      Personal: [RegType.EXPAND_SZ, '\\\\fs01\\home$\\%USERNAME%\\Documents'],
      'My Music': [RegType.EXPAND_SZ, '%USERPROFILE%\\OneDrive\\Music\\'],
      '{374DE290-123F-4565-9164-39C4925E467B}': [RegType.EXPAND_SZ, 'D:\\'],
      AppData: [RegType.DWORD, 5],
    },
  });
  const sys = buildSystemEnv({ systemDrive: 'C:', windowsDir: 'C:\\Windows', is64Bit: true, computerName: 'PC1', software: null });
  const env = buildUserEnv(sys, { userName: 'bob', domain: 'CORP', sid: 'S-1-5-21-1-2-3-1105', profilePath: 'C:\\Users\\bob', ntuser });
  assert.equal(env.get('CSIDL_PERSONAL'), '\\\\fs01\\home$\\bob\\Documents');
  assert.equal(env.get('CSIDL_MYDOCUMENTS'), '\\\\fs01\\home$\\bob\\Documents');
  assert.equal(env.get('CSIDL_MYMUSIC'), 'C:\\Users\\bob\\OneDrive\\Music');
  assert.equal(env.get('CSIDL_PLAYLISTS'), 'C:\\Users\\bob\\OneDrive\\Music\\Playlists');
  assert.equal(env.get('FOLDERID_DOWNLOADS'), 'D:\\');
  assert.equal(env.get('CSIDL_STARTMENU'), 'E:\\Menu');
  assert.equal(env.get('CSIDL_PROGRAMS'), 'E:\\Menu\\Programs', 'Programs follows a redirected Start Menu');
  assert.equal(env.get('CSIDL_STARTUP'), 'E:\\Menu\\Programs\\Startup');
  assert.equal(env.get('CSIDL_APPDATA'), 'C:\\Users\\bob\\AppData\\Roaming', 'a non-string value is ignored');
  assert.equal(env.get('USERSID'), 'S-1-5-21-1-2-3-1105');
  assert.equal(env.get('USERDOMAIN'), 'CORP');
});
