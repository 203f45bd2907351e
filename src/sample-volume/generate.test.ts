import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { getAttributeSync } from '@napi-rs/xattr';
import { EventStream } from '../events/index.ts';
import { readHiveFile } from '../registry/index.ts';
import { ferryExport, hivexExport, hivexGet, hivexMissing } from '../registry/testing/hivex.ts';
import { parseShellLink } from '../usmt/index.ts';
import { openVolume } from '../volume/index.ts';
import { generateSampleVolume, parseSize } from './index.ts';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sample-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function* files(root: string, rel = ''): Generator<string> {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* files(root, r);
    else yield r;
  }
}

/** Everything that makes two trees equal: kind, mode, size, mtime, link target, content hash. */
function fingerprint(root: string): string[] {
  return [...files(root)].sort().map((r) => {
    const s = lstatSync(join(root, r));
    const body = s.isSymbolicLink() ? readlinkSync(join(root, r)) : readFileSync(join(root, r)).toString('base64').slice(0, 64) + s.size;
    return `${r} ${s.mode} ${Math.round(s.mtimeMs)} ${body}`;
  });
}

test('same options, same tree; another seed, another tree', (t) => {
  const dir = tmp(t);
  const a = generateSampleVolume({ out: join(dir, 'a'), size: parseSize('1M'), users: 2, seed: 5 });
  generateSampleVolume({ out: join(dir, 'b'), size: parseSize('1M'), users: 2, seed: 5 });
  generateSampleVolume({ out: join(dir, 'c'), size: parseSize('1M'), users: 2, seed: 6 });
  assert.deepEqual(fingerprint(join(dir, 'a')), fingerprint(join(dir, 'b')));
  assert.notDeepEqual(fingerprint(join(dir, 'a')), fingerprint(join(dir, 'c')));
  assert.deepEqual(a.users, ['alice', 'bob.smith']);
  assert.ok(a.longPaths > 0, 'paths over 260 characters');
  assert.throws(() => generateSampleVolume({ out: join(dir, 'a') }), /FERRY_E_INVALID_ARGUMENT|not empty/);
  assert.throws(() => parseSize('lots'), { code: 'FERRY_E_INVALID_ARGUMENT' });
});

test(
  'self-consistent: ProfileList lists exactly the profiles written, the volume ' +
    'opens without a warning, every .lnk parses to a path on the volume',
  async (t) => {
    const dir = tmp(t);
    const v = generateSampleVolume({ out: join(dir, 'vol'), size: parseSize('2M'), users: 3, seed: 7 });
    const events = new EventStream();
    const seen = events.record();
    const vol = await openVolume(v.windowsDir, { events });
    const profiles = await vol.profiles();
    assert.deepEqual(
      profiles.map((p) => [p.userName, p.profilePath, p.source]),
      [
        ['alice', 'C:\\Users\\alice', 'ProfileList'],
        ['bob.smith', 'C:\\Users\\bob.smith', 'ProfileList'],
        ['Zoë Müller', 'C:\\Users\\Zoë Müller', 'ProfileList'],
      ],
    );
    for (const p of profiles) {
      const env = await vol.userEnv(p);
      assert.equal(env.get('CSIDL_PERSONAL'), `${p.profilePath}\\Documents`);
      assert.ok(await vol.registry.user(p), `${p.userName}'s NTUSER.DAT opens`);
    }
    assert.equal(vol.computerName, 'DESKTOP-FIXTURE');
    vol.close();
    assert.deepEqual(
      seen.filter((e) => e.type === 'warning'),
      [],
    );

    const links = [...files(v.root)].filter((r) => r.endsWith('.lnk'));
    assert.ok(links.length > 20, `${links.length} shortcuts`);
    for (const r of links) {
      const target = parseShellLink(readFileSync(join(v.root, r)));
      assert.equal(target?.kind, 'local', r);
      const host = join(v.root, target!.path.slice(3).replace(/\\/g, '/'));
      assert.doesNotThrow(() => lstatSync(host), `${r} points at ${target!.path}, which is on the volume`);
    }
    assert.ok(
      links.some((r) => /[^\x00-\x7f]/.test(r)),
      'a shortcut with a non-ASCII target',
    );
  },
);

test('hidden and system attributes as user.DOSATTRIB, where the file system takes user xattrs', (t) => {
  const dir = tmp(t);
  const v = generateSampleVolume({ out: join(dir, 'vol'), size: parseSize('1M'), users: 1 });
  if (v.attributes === null) return t.skip('this file system takes no user xattrs');
  assert.equal(getAttributeSync(join(v.root, 'pagefile.sys'), 'user.DOSATTRIB')?.toString(), '0x26');
  assert.equal(getAttributeSync(join(v.root, 'Users/alice/AppData'), 'user.DOSATTRIB')?.toString(), '0x12');
  assert.equal(getAttributeSync(join(v.root, 'Users/alice/Documents'), 'user.DOSATTRIB'), null);
});

test('no hives: a volume whose registry cannot be read', (t) => {
  const dir = tmp(t);
  const v = generateSampleVolume({ out: join(dir, 'vol'), size: parseSize('1M'), users: 1, hives: 'none' });
  assert.deepEqual(readFileSync(join(v.windowsDir, 'System32/config/SOFTWARE')), Buffer.alloc(65536));
  assert.deepEqual(readFileSync(join(v.root, 'Users/alice/NTUSER.DAT')), Buffer.alloc(65536));
});

test('hives cross-checked with hivex: every hive reads the same in hivex and in Ferry', { skip: hivexMissing() ?? false }, (t) => {
  const dir = tmp(t);
  const v = generateSampleVolume({ out: join(dir, 'vol'), size: parseSize('1M'), users: 2 });
  const hives = [...files(v.root)].filter((r) => /(^|\/)(NTUSER\.DAT|UsrClass\.dat|SOFTWARE|SYSTEM|SAM|SECURITY|DEFAULT)$/.test(r));
  assert.equal(hives.length, 10, hives.join(', '));
  for (const r of hives) {
    const path = join(v.root, r);
    const ferry = readHiveFile(path, (h) => ferryExport(h.root));
    assert.equal(hivexExport(path), ferry, relative(v.root, path));
  }
  const sw = join(v.windowsDir, 'System32/config/SOFTWARE');
  const list = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
  assert.equal(hivexGet(sw, `${list}\\S-1-5-21-3623811015-3361044348-30300820-1002`, 'ProfileImagePath'), 'C:\\Users\\bob.smith');
  const keys = execFileSync('hivexsh', ['-w', sw], { input: `cd \\${list}\nls\n`, encoding: 'utf8' })
    .trim()
    .split('\n');
  assert.deepEqual(keys.sort(), [
    'S-1-5-18',
    'S-1-5-19',
    'S-1-5-20',
    'S-1-5-21-3623811015-3361044348-30300820-1001',
    'S-1-5-21-3623811015-3361044348-30300820-1002',
  ]);
  assert.equal(
    hivexGet(join(v.root, 'Users/alice/NTUSER.DAT'), 'Control Panel\\Desktop', 'Wallpaper'),
    'C:\\Users\\alice\\Pictures\\wallpaper.jpg',
  );
});
