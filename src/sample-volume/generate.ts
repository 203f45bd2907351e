// `ferry sample-volume`: a deterministic synthetic offline Windows 10/11 system volume to try
// rules, task sequences and the console on, and the input of Ferry's own tests and benchmarks.
// Same options, same tree: names, contents, modes, modification times, links and hives.
// Self-consistent: ProfileList lists exactly the profiles written, every .lnk is a real shell
// link to a file or folder on the volume, hives are well-formed regf files (src/registry).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { emptyHive, softwareHive, systemHive, userHive, type ProfileEntry } from './hives.ts';
import { cap, desktopIni, fileName, link, MEDIUM_EXT, PUBLIC_KNOWN, SMALL_EXT, word, writeProfile } from './profile.ts';
import { rng, sha256 } from './random.ts';
import { Tree, type TreeStats } from './tree.ts';

/**
 * The users, in order: user i of `users` is entry i (RID 1000 + i). Names include a dot, a space,
 * accents, CJK and an apostrophe on purpose; users beyond these are userNN.
 */
export const SAMPLE_USERS = ['alice', 'bob.smith', 'Zoë Müller', 'jdoe', '李伟', 'carol.admin', "dave.o'brien", 'frank'] as const;

/** What to generate: where, how many users, how much data, and the seed that fixes every name and byte. */
export interface SampleVolumeOptions {
  /** Folder to write; it plays C:\ and must not exist or be empty. */
  readonly out: string;
  /** Ordinary user profiles besides Public and Default (default 3). */
  readonly users?: number;
  /** Approximate bytes of file data (default 32 MiB); the sparse paging files come on top. */
  readonly size?: number;
  /** Seed of all choices (default '1'). */
  readonly seed?: string | number;
  /** 'none': zero-filled placeholders instead of hives (a volume whose registry cannot be read). */
  readonly hives?: 'none';
}

/** What was written: the volume and Windows folders, the users, and the tree's counts. */
export interface SampleVolumeSummary extends TreeStats {
  readonly root: string;
  readonly windowsDir: string;
  readonly users: readonly string[];
}

/** File data written when no size is given: 32 MiB. */
export const DEFAULT_SIZE = 32 << 20;

/** `200M`, `2G`, `512K`, `1.5GiB`, or a byte count. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) throw new FerryError('FERRY_E_INVALID_ARGUMENT', `"${text}" is not a size; write e.g. 20M, 2G or 512K.`);
  return Math.round(Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()));
}

/** The profile name of the i-th sample user (awkward names first: spaces, umlauts, CJK, quotes). */
export function userName(i: number): string {
  return SAMPLE_USERS[i] ?? `user${String(i + 1).padStart(2, '0')}`;
}

/**
 * Writes a deterministic synthetic offline Windows volume: the same options give the same tree and hives.
 * @example
 * const s = generateSampleVolume({ out: '/tmp/vol', users: 2, size: parseSize('20M') });
 * // then: ferry scanstate STORE /offlinewindir:${s.windowsDir} /i:MigDocs.xml
 */
export function generateSampleVolume(options: SampleVolumeOptions): SampleVolumeSummary {
  const users = options.users ?? 3;
  const total = options.size ?? DEFAULT_SIZE;
  const seed = String(options.seed ?? '1');
  if (!Number.isInteger(users) || users < 0 || users > 999)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `--users must be a whole number from 0 to 999, not ${users}.`);
  if (!Number.isFinite(total) || total < 0)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `--size must be a size such as 20M, not ${total}.`);
  const root = resolve(options.out);
  if (existsSync(root) && readdirSync(root).length)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `${options.out} exists and is not empty; give a new or empty folder.`);
  mkdirSync(root, { recursive: true });
  const t = new Tree(root, seed, rng(sha256(`ferry-sample-volume\0${seed}`).readUInt32LE(0)), options.hives !== 'none');
  const names = Array.from({ length: users }, (_, i) => userName(i));
  const perUser = users ? (total * 0.88) / users : 0;
  // Fixed application data (browser databases, mail files) is about 16 MiB a user at full size.
  const scale = Math.min(1, Math.max(1 / 64, perUser / (16 << 20)));
  names.forEach((n, i) => writeProfile(t, n, 1001 + i, perUser, scale));
  writeSharedProfiles(t, total);
  writeData(t, total);
  writeWindows(
    t,
    names.map((folder, i): ProfileEntry => ({ rid: 1001 + i, folder })),
    total,
  );
  writeProgramFiles(t, total);
  writeVolumeRoot(t, total);
  t.finish();
  return { ...t.stats, root, windowsDir: `${root}/Windows`, users: names };
}

function writeSharedProfiles(t: Tree, total: number): void {
  for (const [d, res] of PUBLIC_KNOWN) desktopIni(t, `Users/Public/${d}`, res);
  t.putText('Users/desktop.ini', '\n[.ShellClassInfo]\nLocalizedResourceName=@%SystemRoot%\\system32\\shell32.dll,-21813\n');
  link(t, 'Users/Public/Desktop/Microsoft Edge.lnk', 'Program Files (x86)/Microsoft/Edge/Application/msedge.exe');
  t.fill(total * 0.02, 2048, 4 << 20, (s) =>
    t.put(`Users/Public/Documents/${t.r.chance(0.5) ? `${cap(word(t))}/` : ''}${fileName(t, t.r.pick(MEDIUM_EXT))}`, s),
  );
  t.put(
    'Users/Default/NTUSER.DAT',
    0,
    t.hivesOrPlaceholder(() => userHive('Default')),
  );
  t.put('Users/Default/NTUSER.DAT.LOG1', 0, 'zero');
  for (const d of [
    'Desktop',
    'Documents',
    'Downloads',
    'Favorites',
    'Links',
    'Music',
    'Pictures',
    'Saved Games',
    'Videos',
    'AppData/Roaming/Microsoft/Windows/Start Menu/Programs',
    'AppData/Local/Temp',
    'AppData/LocalLow',
  ])
    t.mkdirp(`Users/Default/${d}`);
  t.symlink('Users/All Users', '../ProgramData');
  t.symlink('Users/Default User', 'Default');
}

/** Non-profile data a MigDocs-style rule picks up, with a path far past MAX_PATH. */
function writeData(t: Tree, total: number): void {
  t.putText('Data/project/settings.json', '{"project":"sample","owner":"IT"}\n');
  t.put('Data/project/Übergabe/Protokoll 2024.docx', t.r.int(2000, 20000));
  t.put('Data/project/reports/Quarterly report.pdf', t.r.int(5000, 50000));
  t.fill(total * 0.03, 1024, 2 << 20, (s) =>
    t.put(
      `Data/project/${t.r.pick(['src', 'docs', 'specs', 'Übergabe', 'reports/2023', 'reports/2024'])}/${fileName(t, t.r.pick(SMALL_EXT))}`,
      s,
    ),
  );
  t.fill(total * 0.01, 100000, 4 << 20, (s) => t.put(`Data/Scans/${fileName(t, 'pdf')}`, s, 'rand'));
  let deep = 'Data/project/archive';
  for (let i = 0; i < 7; i++) deep += `/${'very long folder name for path length tests'.slice(0, 30 + i)}`;
  t.put(`${deep}/${fileName(t, 'docx')}`, 12345);
  t.putText('Temp/setup.log', 'Install started\nInstall finished: exit code 0\n');
}

const DLL = `kernel32 kernelbase user32 gdi32 advapi32 shell32 ole32 oleaut32 ntdll combase rpcrt4 sechost msvcrt ucrtbase ws2_32
crypt32 wininet urlmon shlwapi comctl32 comdlg32 setupapi cfgmgr32 dnsapi iphlpapi netapi32 winhttp bcrypt ncrypt dxgi d3d11
d3d12 dwrite uxtheme dwmapi propsys windows.storage twinapi msctf imm32 version winmm powrprof profapi userenv wtsapi32
samlib wldap32 secur32 sspicli schannel msi mpr`.split(/\s+/);
const EXE = `cmd explorer notepad regedit taskmgr svchost lsass services winlogon csrss smss conhost rundll32 msiexec mmc control
dllhost sihost reg robocopy xcopy icacls takeown whoami ipconfig ping netsh sc schtasks`.split(/\s+/);

/** Windows: hives (ProfileList = exactly `profiles`), binaries, fonts, logs, WinSxS hard links. */
function writeWindows(t: Tree, profiles: ProfileEntry[], total: number): void {
  const cfg = 'Windows/System32/config';
  const h = (make: () => Buffer): Buffer => t.hivesOrPlaceholder(make);
  t.put(
    `${cfg}/SOFTWARE`,
    0,
    h(() => softwareHive(profiles)),
  );
  t.put(`${cfg}/SYSTEM`, 0, h(systemHive));
  t.put(
    `${cfg}/SAM`,
    0,
    h(() => emptyHive('\\SystemRoot\\System32\\Config\\SAM')),
  );
  t.put(
    `${cfg}/SECURITY`,
    0,
    h(() => emptyHive('\\SystemRoot\\System32\\Config\\SECURITY')),
  );
  t.put(
    `${cfg}/DEFAULT`,
    0,
    h(() => userHive('Default')),
  );
  for (const name of ['SOFTWARE', 'SYSTEM', 'SAM', 'SECURITY', 'DEFAULT']) {
    t.put(`${cfg}/${name}.LOG1`, 0, 'zero');
    t.put(`${cfg}/${name}.LOG2`, 0, 'zero');
  }
  t.mkdirp(`${cfg}/RegBack`);
  const budget = total * 0.04;
  const bins = [...DLL.map((n) => `${n}.dll`), ...EXE.map((n) => `${n}.exe`), 'winspool.drv'];
  while (bins.length < 300)
    bins.push(
      `api-ms-win-${t.r.pick(['core', 'crt', 'eventing', 'security', 'shell'])}-${word(t)}-l1-${t.r.int(1, 2)}-${t.r.int(0, 3)}.dll`,
    );
  const scale = (budget * 0.8) / (bins.length * 105000); // mean of logu(4K, 512K) is about 105 KB
  const sys32 = bins.map((b) => t.put(`Windows/System32/${b}`, Math.max(512, Math.round(t.r.logu(4096, 524288) * scale)), 'mixed'));
  for (const b of bins.slice(0, 30)) t.put(`Windows/SysWOW64/${b}`, Math.max(512, Math.round(t.r.logu(4096, 262144) * scale)), 'mixed');
  for (const f of sys32.filter((p) => /\/(notepad|regedit|cmd|explorer)\.exe$/.test(p))) {
    const b = f.slice(f.lastIndexOf('/') + 1, -4);
    t.hardlink(`Windows/WinSxS/amd64_microsoft-windows-${b}_31bf3856ad364e35_10.0.22621.1_none_${t.r.u32().toString(16)}/${b}.exe`, f);
  }
  for (const f of ['arial', 'arialbd', 'calibri', 'calibrib', 'consola', 'segoeui', 'seguiemj', 'times', 'tahoma', 'verdana'])
    t.put(`Windows/Fonts/${f}.ttf`, Math.max(512, Math.round(t.r.logu(50000, 900000) * scale)), 'rand');
  t.fill(budget * 0.05, 1000, 2 << 20, (s) => t.put(`Windows/Logs/CBS/CBS${t.r.chance(0.8) ? t.r.int(10000000, 99999999) : ''}.log`, s));
  t.put('Windows/Temp/MpCmdRun.log', t.r.int(1000, 50000));
}

function writeProgramFiles(t: Tree, total: number): void {
  const scale = (total * 0.04 * 0.8) / (300 * 105000);
  const size = (lo: number, hi: number): number => Math.max(4096, Math.round(t.r.logu(lo, hi) * scale));
  for (const p of [
    'Google/Chrome/Application/chrome.exe',
    'Mozilla Firefox/firefox.exe',
    'Mozilla Firefox/xul.dll',
    '7-Zip/7z.exe',
    '7-Zip/7zFM.exe',
    '7-Zip/7z.dll',
    'Microsoft Office/root/Office16/OUTLOOK.EXE',
    'Microsoft Office/root/Office16/WINWORD.EXE',
    'Microsoft Office/root/Office16/EXCEL.EXE',
    'Common Files/microsoft shared/ClickToRun/OfficeClickToRun.exe',
  ])
    t.put(`Program Files/${p}`, size(500000, 8000000), 'mixed');
  t.put('Program Files (x86)/Microsoft/Edge/Application/msedge.exe', Math.max(4096, Math.round(3000000 * scale)), 'mixed');
  const sm = 'ProgramData/Microsoft/Windows/Start Menu/Programs';
  for (const [name, target] of [
    ['Google Chrome', 'Program Files/Google/Chrome/Application/chrome.exe'],
    ['Firefox', 'Program Files/Mozilla Firefox/firefox.exe'],
    ['Microsoft Edge', 'Program Files (x86)/Microsoft/Edge/Application/msedge.exe'],
    ['Word', 'Program Files/Microsoft Office/root/Office16/WINWORD.EXE'],
    ['Excel', 'Program Files/Microsoft Office/root/Office16/EXCEL.EXE'],
    ['Outlook', 'Program Files/Microsoft Office/root/Office16/OUTLOOK.EXE'],
    ['7-Zip/7-Zip File Manager', 'Program Files/7-Zip/7zFM.exe'],
  ] as const)
    link(t, `${sm}/${name}.lnk`, target);
  t.put('ProgramData/Microsoft/User Account Pictures/user.png', 20000, 'rand');
  t.put('ProgramData/Microsoft/Windows/WER/ReportArchive/AppCrash_explorer.exe/Report.wer', t.r.int(2000, 20000));
}

/** Paging files (sparse: no disk blocks), boot files, System Volume Information, the Recycle Bin root. */
function writeVolumeRoot(t: Tree, total: number): void {
  const page = (n: number): number => Math.max(1 << 20, Math.round(n / 4096) * 4096);
  t.put('pagefile.sys', page(total / 8), 'sparse');
  t.put('hiberfil.sys', page(total / 16), 'sparse');
  t.put('swapfile.sys', 16 << 20, 'sparse');
  t.put('DumpStack.log.tmp', 8192, 'zero');
  t.put('BOOTNXT', 0, 'zero');
  t.put('bootmgr', Math.max(4096, Math.round(400000 * ((total * 0.032) / (300 * 105000)))), 'mixed');
  t.putText('System Volume Information/IndexerVolumeGuid', '{8E5A9B3C-1F2D-4A6B-9C0D-7E8F9A0B1C2D}');
  t.put('System Volume Information/tracking.log', 20480, 'rand');
  t.put('System Volume Information/{3808876b-c176-4e48-b7ae-04046e6cc752}', Math.max(65536, Math.round(total * 0.01)), 'rand');
  t.putText('$Recycle.Bin/desktop.ini', '[.ShellClassInfo]\n');
}
