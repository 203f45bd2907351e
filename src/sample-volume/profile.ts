// One user profile of the sample volume: known folders with desktop.ini, NTUSER.DAT and its
// transaction-log companions, legacy junctions (including the self-referencing one real Windows
// has), Start menu and Recent shortcuts that point at files the volume holds, Outlook
// signatures, Sticky Notes, Firefox and Chrome profiles, caches and Temp (what rules should
// leave behind), documents, pictures, music and videos, a deep folder chain past MAX_PATH,
// read-only files, hard links, and the user's Recycle Bin folder.
import { basename } from 'node:path';
import { buildShellLink } from '../usmt/index.ts';
import { emptyHive, SID_BASE, userHive } from './hives.ts';
import { NAME_WORDS, sha256 } from './random.ts';
import type { Tree } from './tree.ts';

export const UNICODE_NAMES = [
  'Résumé',
  'Überweisung März',
  'naïve café menu',
  'Ångström notes',
  'Große Straße',
  '报告',
  '会議メモ',
  '설명서',
  'Ελληνικά',
  'Привет мир',
  '🎉 party plan',
  '📷 holiday pics',
  'smörgåsbord',
  'façade ✓',
];
const SUBDIRS = ['Drafts', 'Final', 'Archive', 'Meeting notes', '2022', '2023', 'Old', 'Scans', 'Templates', 'Invoices'];
export const SMALL_EXT = [
  'docx',
  'docx',
  'xlsx',
  'xlsx',
  'pptx',
  'txt',
  'txt',
  'csv',
  'log',
  'md',
  'xml',
  'html',
  'rtf',
  'json',
  'eml',
  'msg',
];
export const MEDIUM_EXT = ['pdf', 'pdf', 'docx', 'xlsx', 'pptx', 'csv', 'log', 'xml'];
const KNOWN = [
  ['Desktop', 21769],
  ['Documents', 21770],
  ['Downloads', 21798],
  ['Pictures', 21779],
  ['Music', 21790],
  ['Videos', 21791],
  ['Favorites', 21796],
  ['Contacts', 32012],
  ['Saved Games', 32011],
  ['Links', 32010],
  ['Searches', 9031],
] as const;
export const PUBLIC_KNOWN = KNOWN.slice(0, 6);

export const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
export const winPath = (rel: string): string => `C:\\${rel.replace(/\//g, '\\')}`;

export function word(t: Tree): string {
  return t.r.pick(NAME_WORDS);
}

/** A plausible document name: words with spaces, underscores, dates, now and then non-ASCII or " - Copy". */
export function fileName(t: Tree, ext: string): string {
  const r = t.r.f();
  let b: string;
  if (r < 0.05) b = t.r.pick(UNICODE_NAMES);
  else if (r < 0.45) b = `${cap(word(t))} ${word(t)}${t.r.chance(0.5) ? ` ${word(t)}` : ''}`;
  else if (r < 0.75) b = `${word(t)}_${word(t)}_${t.r.int(1, 999)}`;
  else b = `${cap(word(t))}-${t.r.int(2015, 2024)}-${String(t.r.int(1, 12)).padStart(2, '0')}`;
  return `${b}${t.r.chance(0.03) ? ' - Copy' : ''}.${ext}`;
}

/** A real shell link (.lnk) to `target` (a volume-relative path), readable by Ferry's parser. */
export const link = (t: Tree, rel: string, target: string): string => t.put(rel, 0, buildShellLink(winPath(target)));
const url = (t: Tree, rel: string, u: string): string => t.putText(rel, `[InternetShortcut]\nURL=${u}\n`);
export const desktopIni = (t: Tree, dir: string, res: number): string =>
  t.putText(`${dir}/desktop.ini`, `\n[.ShellClassInfo]\nLocalizedResourceName=@%SystemRoot%\\system32\\shell32.dll,-${res}\n`);

/**
 * Write `Users/<name>` with about `budget` bytes. `scale` (0–1] shrinks the fixed application
 * data (browser databases, caches, mail files) so small volumes stay small.
 */
export function writeProfile(t: Tree, name: string, rid: number, budget: number, scale: number): void {
  const b0 = t.stats.bytes;
  const u = `Users/${name}`;
  const L = `${u}/AppData/Local`;
  const RO = `${u}/AppData/Roaming`;
  const sz = (lo: number, hi: number): number => Math.max(64, Math.round(t.r.int(lo, hi) * scale));
  for (const [d, res] of KNOWN) desktopIni(t, `${u}/${d}`, res);
  t.mkdirp(`${u}/OneDrive`);
  // registry hive and transaction logs (what a capture tool must load, and must not copy blindly)
  t.put(
    `${u}/NTUSER.DAT`,
    0,
    t.hivesOrPlaceholder(() => userHive(name)),
  );
  t.put(`${u}/ntuser.dat.LOG1`, 0, 'zero');
  t.put(`${u}/ntuser.dat.LOG2`, 0, 'zero');
  t.putText(`${u}/ntuser.ini`, '\n');
  t.put(`${u}/NTUSER.DAT{53b39e88-18c4-11ea-a811-000d3aa4692b}.TM.blf`, 65536, 'zero');
  t.put(`${u}/NTUSER.DAT{53b39e88-18c4-11ea-a811-000d3aa4692b}.TMContainer00000000000000000001.regtrans-ms`, 524288, 'sparse');
  t.put(
    `${L}/Microsoft/Windows/UsrClass.dat`,
    0,
    t.hivesOrPlaceholder(() => emptyHive(`\\??\\C:\\Users\\${name}\\AppData\\Local\\Microsoft\\Windows\\UsrClass.dat`)),
  );
  t.put(`${L}/Microsoft/Windows/UsrClass.dat.LOG1`, 0, 'zero');
  // legacy junctions, including the self-referencing one (a loop trap), and a dangling link
  t.symlink(`${u}/Application Data`, 'AppData/Roaming');
  t.symlink(`${u}/Local Settings`, 'AppData/Local');
  t.symlink(`${u}/My Documents`, 'Documents');
  t.symlink(`${L}/Application Data`, '.');
  t.symlink(`${u}/Documents/My Music`, '../Music');
  t.symlink(`${u}/Downloads/old share`, '../../../nonexistent/share');
  writeAppData(t, name, u, sz, budget);
  // known folders: fixed bits first
  link(t, `${u}/Desktop/Google Chrome.lnk`, 'Program Files/Google/Chrome/Application/chrome.exe');
  link(t, `${u}/Desktop/Outlook.lnk`, 'Program Files/Microsoft Office/root/Office16/OUTLOOK.EXE');
  t.put(`${u}/Desktop/New Text Document.txt`, 0, 'zero');
  t.put(`${u}/Pictures/wallpaper.jpg`, sz(800000, 3000000), 'rand'); // Control Panel\Desktop\Wallpaper
  for (let i = t.r.int(3, 12); i > 0; i--) url(t, `${u}/Favorites/${cap(word(t))} ${word(t)}.url`, `https://${word(t)}.example/${word(t)}`);
  url(t, `${u}/Favorites/Links/Intranet.url`, 'https://intranet.corp.example/');
  link(t, `${u}/Links/Desktop.lnk`, `${u}/Desktop`);
  link(t, `${u}/Links/Downloads.lnk`, `${u}/Downloads`);
  t.putText(`${u}/Searches/Everywhere.search-ms`, '<?xml version="1.0"?><persistedQuery version="1.0"><query/></persistedQuery>\n');
  t.putText(
    `${u}/Contacts/${name}.contact`,
    `<?xml version="1.0" encoding="UTF-8"?><c:contact><c:FormattedName>${name}</c:FormattedName></c:contact>\n`,
  );
  t.put(`${u}/Saved Games/${cap(word(t))}/save01.sav`, sz(10000, 500000), 'rand');
  t.put(`${u}/Documents/~$${word(t)}.docx`, 0, 'zero'); // Office owner/lock file
  t.put(`${u}/Documents/Outlook Files/archive.pst`, Math.max(65536, Math.round(budget * 0.03)), 'mixed');
  // a deep folder chain: the full path is well over MAX_PATH (260)
  let deep = `${u}/Documents/Archive`;
  for (let i = 0; i < 6; i++) deep += `/${`${cap(word(t))} ${word(t)} ${word(t)} ${word(t)} backup folder ${i}`.slice(0, 48)}`;
  t.put(`${deep}/${fileName(t, 'txt')}`, t.r.int(1000, 20000));
  t.put(`${deep}/${fileName(t, 'docx')}`, t.r.int(1000, 40000));
  const small = writeBulk(t, u, Math.max(0, budget - (t.stats.bytes - b0)));
  // Recent shortcuts to documents the user opened
  for (const doc of small.slice(0, t.r.int(5, 20))) link(t, `${RO}/Microsoft/Windows/Recent/${basename(doc)}.lnk`, doc);
  // read-only documents, and hard links between a user's folders
  for (const rel of small) if (t.r.chance(0.01)) t.readOnly(rel);
  if (small.length) {
    const f = t.r.pick(small);
    t.readOnly(f);
    t.hardlink(`${u}/Desktop/${basename(f)}`, f);
  }
  if (small.length > 1) t.hardlink(`${u}/OneDrive/Documents/Shared/${basename(small[1]!)}`, small[1]!);
  // the user's Recycle Bin folder: a deleted document and its $I record
  const code = t.r.u32().toString(36).toUpperCase().slice(0, 6);
  const bin = `$Recycle.Bin/${SID_BASE}-${rid}`;
  t.put(`${bin}/$R${code}.docx`, t.r.int(2000, 60000));
  t.put(`${bin}/$I${code}.docx`, 0, recycleRecord(`C:\\Users\\${name}\\Documents\\${cap(word(t))} draft.docx`));
  t.putText(`${bin}/desktop.ini`, '[.ShellClassInfo]\nCLSID={645FF040-5081-101B-9F08-00AA002F954E}\n');
}

/** A Windows 10 `$I` record: version 2, size, deletion time, path length and the original path. */
function recycleRecord(original: string): Buffer {
  const path = Buffer.from(`${original}\0`, 'utf16le');
  const head = Buffer.alloc(28);
  head.writeBigInt64LE(2n, 0);
  head.writeBigInt64LE(BigInt(30000), 8);
  head.writeBigInt64LE(133485408000000000n, 16); // 2024-01-01 as FILETIME
  head.writeUInt32LE(path.length / 2, 24);
  return Buffer.concat([head, path]);
}

type Sizer = (lo: number, hi: number) => number;

function writeAppData(t: Tree, name: string, u: string, sz: Sizer, budget: number): void {
  const L = `${u}/AppData/Local`;
  const RO = `${u}/AppData/Roaming`;
  const sm = `${RO}/Microsoft/Windows/Start Menu/Programs`;
  t.put(`${L}/Microsoft/OneDrive/OneDrive.exe`, sz(400000, 1500000), 'rand');
  link(t, `${sm}/OneDrive.lnk`, `${L}/Microsoft/OneDrive/OneDrive.exe`);
  link(t, `${sm}/Accessories/Notepad.lnk`, 'Windows/System32/notepad.exe');
  t.mkdirp(`${sm}/Startup`);
  t.mkdirp(`${RO}/Microsoft/Windows/SendTo`);
  t.put(`${RO}/Microsoft/Windows/Themes/TranscodedWallpaper`, sz(200000, 900000), 'rand');
  const sig = `${RO}/Microsoft/Signatures`;
  t.putText(`${sig}/Work.htm`, `<html><body><p>${name}<br>Example Corp &#8211; IT</p><img src="Work_files/image001.png"></body></html>\n`);
  t.putText(`${sig}/Work.txt`, `${name}\nExample Corp - IT\n`);
  t.putText(`${sig}/Work.rtf`, `{\\rtf1\\ansi ${name}\\par Example Corp}\n`);
  t.putText(`${sig}/Work (short).htm`, `<p>${name}</p>\n`);
  t.put(`${sig}/Work_files/image001.png`, sz(3000, 20000), 'rand');
  t.putText(`${sig}/Work_files/filelist.xml`, '<xml><o:MainFile HRef="../Work.htm"/></xml>\n');
  t.put(`${RO}/Microsoft/Sticky Notes/StickyNotes.snt`, sz(4000, 40000), 'mixed');
  t.put(`${L}/Packages/Microsoft.MicrosoftStickyNotes_8wekyb3d8bbwe/LocalState/plum.sqlite`, sz(20000, 200000), 'mixed');
  const ff = `${t.r.u32().toString(36).slice(0, 8)}.default`;
  const fp = `${RO}/Mozilla/Firefox/Profiles/${ff}`;
  t.putText(`${RO}/Mozilla/Firefox/profiles.ini`, `[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/${ff}\nDefault=1\n`);
  t.putText(`${fp}/prefs.js`, 'user_pref("browser.startup.homepage", "https://intranet.corp.example/");\n');
  for (const f of ['places.sqlite', 'cookies.sqlite', 'formhistory.sqlite']) t.put(`${fp}/${f}`, sz(100000, 5000000), 'mixed');
  t.put(`${fp}/key4.db`, sz(294912, 294912), 'rand');
  t.put(`${fp}/logins.json`, sz(500, 5000), 'rand');
  const ch = `${L}/Google/Chrome/User Data`;
  t.putText(`${ch}/Local State`, '{"profile":{"last_used":"Default"}}\n');
  const marks = Array.from(
    { length: t.r.int(5, 40) },
    (_, i) => `{"type":"url","name":"${cap(word(t))} ${i}","url":"https://${word(t)}.example/"}`,
  );
  t.putText(
    `${ch}/Default/Bookmarks`,
    `{"roots":{"bookmark_bar":{"children":[${marks.join(',')}],"name":"Bookmarks bar","type":"folder"}},"version":1}\n`,
  );
  t.putText(`${ch}/Default/Preferences`, '{"homepage":"https://intranet.corp.example/","download":{"default_directory":""}}\n');
  t.put(`${ch}/Default/History`, sz(200000, 8000000), 'mixed');
  t.put(`${ch}/Default/Login Data`, sz(40960, 40960), 'rand');
  t.put(
    `${L}/Microsoft/Outlook/${name.replace(/[^\p{L}\p{N}.]/gu, '')}@corp.example.ost`,
    Math.max(65536, Math.round(budget * 0.06)),
    'mixed',
  );
  t.put(`${L}/Microsoft/Windows/Explorer/thumbcache_256.db`, sz(100000, 3000000), 'rand');
  t.put(`${u}/AppData/LocalLow/Microsoft/CryptnetUrlCache/Content/${t.r.u32().toString(16).toUpperCase()}`, t.r.int(500, 3000), 'rand');
  t.put(`${u}/AppData/LocalLow/Sun/Java/Deployment/deployment.properties`, t.r.int(100, 400));
  const cache = budget * 0.04;
  t.fill(cache * 0.4, 200, 200000, (s) =>
    t.put(`${ch}/Default/Cache/Cache_Data/f_${t.r.u32().toString(16).padStart(6, '0').slice(0, 6)}`, s, 'rand'),
  );
  t.fill(cache * 0.2, 200, 100000, (s) =>
    t.put(
      `${L}/Mozilla/Firefox/Profiles/${ff}/cache2/entries/${sha256(String(t.r.u32())).toString('hex').slice(0, 40).toUpperCase()}`,
      s,
      'rand',
    ),
  );
  t.fill(cache * 0.2, 500, 300000, (s) =>
    t.put(
      `${L}/Microsoft/Windows/INetCache/IE/${t.r.pick(['7H2K9QXA', 'B3LMZ0QE', 'W8RT5YUP'])}/${word(t)}[${t.r.int(1, 3)}].` +
        `${t.r.pick(['htm', 'js', 'css', 'png'])}`,
      s,
      'rand',
    ),
  );
  t.fill(cache * 0.2, 100, 2000000, (s) =>
    t.put(`${L}/Temp/${t.r.chance(0.5) ? `~DF${t.r.u32().toString(16).toUpperCase().slice(0, 4)}.tmp` : fileName(t, 'tmp')}`, s, 'rand'),
  );
  t.put(`${L}/Temp/${t.r.u32().toString(16)}.lock`, 0, 'zero');
}

/** Documents, pictures, music, videos and downloads for `rest` bytes; returns the small documents written. */
function writeBulk(t: Tree, u: string, rest: number): string[] {
  const projects = Array.from({ length: t.r.int(6, 14) }, () =>
    t.r.chance(0.1) ? t.r.pick(UNICODE_NAMES) : `${cap(word(t))} ${cap(word(t))}`,
  );
  const docDir = (): string => {
    const base = t.r.pick([
      `${u}/Documents`,
      `${u}/Documents`,
      `${u}/Documents`,
      `${u}/OneDrive/Documents`,
      `${u}/Desktop`,
      `${u}/Downloads`,
    ]);
    if (base.endsWith('Desktop') || base.endsWith('Downloads') || t.r.chance(0.2)) return base;
    return `${base}/${t.r.pick(projects)}${t.r.chance(0.5) ? `/${t.r.pick(SUBDIRS)}` : ''}`;
  };
  const picDir = (): string =>
    t.r.pick([
      `${u}/Pictures/Camera Roll`,
      `${u}/Pictures/Screenshots`,
      `${u}/OneDrive/Pictures/Camera Roll`,
      `${u}/Pictures/${t.r.int(2016, 2024)}/${cap(word(t))} ${word(t)}`,
    ]);
  const small: string[] = [];
  // at least a few documents, however small the volume
  small.push(t.put(`${u}/Documents/${t.r.pick(UNICODE_NAMES)}.docx`, t.r.logu(1024, 8192)));
  for (let i = 0; i < 3; i++) small.push(t.put(`${docDir()}/${fileName(t, t.r.pick(SMALL_EXT))}`, t.r.logu(1024, 8192)));
  t.fill(rest * 0.38, 1024, 65536, (s) => small.push(t.put(`${docDir()}/${fileName(t, t.r.pick(SMALL_EXT))}`, s)));
  t.fill(rest * 0.16, 65536, 8 << 20, (s) => t.put(`${docDir()}/${fileName(t, t.r.pick(MEDIUM_EXT))}`, s));
  t.fill(rest * 0.14, 300000, 6 << 20, (s) =>
    t.put(`${picDir()}/${t.r.chance(0.7) ? `IMG_${t.r.int(1000, 9999)}.jpg` : fileName(t, t.r.pick(['jpg', 'png', 'gif']))}`, s, 'rand'),
  );
  t.fill(rest * 0.07, 1 << 20, 12 << 20, (s) =>
    t.put(
      `${u}/Music/${cap(word(t))} ${cap(word(t))}/${cap(word(t))}/${String(t.r.int(1, 14)).padStart(2, '0')} ${cap(word(t))}.` +
        `${t.r.pick(['mp3', 'm4a'])}`,
      s,
      'rand',
    ),
  );
  t.fill(rest * 0.25, 8 << 20, 256 << 20, (s) =>
    t.put(
      t.r.chance(0.6)
        ? `${t.r.pick([`${u}/Videos`, `${u}/Videos/Captures`, `${u}/OneDrive/Videos`])}/${fileName(t, t.r.pick(['mp4', 'mov']))}`
        : `${u}/Downloads/${fileName(t, t.r.pick(['zip', 'iso', '7z', 'mp4']))}`,
      s,
      'rand',
    ),
  );
  return small;
}
