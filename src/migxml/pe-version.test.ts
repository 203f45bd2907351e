import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVersionInfo, readFileVersion } from './pe-version.ts';
import { peWithVersion, versionResource } from './testing/pe-image.ts';

test('VS_VERSIONINFO: fixed versions and the string table', () => {
  const info = parseVersionInfo(
    versionResource([9, 1, 2, 3], { CompanyName: 'Contoso', ProductVersion: '9.1 beta', FileVersion: '9.1.2.3' }),
  )!;
  assert.deepEqual(info.fileVersion, [9, 1, 2, 3]);
  assert.equal(info.strings.get('companyname'), 'Contoso');
  assert.equal(info.strings.get('productversion'), '9.1 beta');
});

test('readFileVersion reads a PE image; anything else is null', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pe-'));
  try {
    const exe = join(dir, 'app.exe');
    writeFileSync(exe, peWithVersion(versionResource([16, 0, 4266, 1001], { FileVersion: '16.0.4266.1001' })));
    const info = await readFileVersion(exe);
    assert.deepEqual(info?.fileVersion, [16, 0, 4266, 1001]);
    assert.equal(info?.strings.get('fileversion'), '16.0.4266.1001');
    writeFileSync(join(dir, 'fake.exe'), 'MZ not really');
    assert.equal(await readFileVersion(join(dir, 'fake.exe')), null);
    assert.equal(await readFileVersion(join(dir, 'missing.exe')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
