import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { encodeAdministratorPassword, mergeUnattend, setUnattendSettings } from './unattend.ts';

test('the administrator password is base64 of UTF-16LE password + "AdministratorPassword"', () => {
  // What Windows System Image Manager writes for "P@ssw0rd" with "Hide sensitive data".
  assert.equal(encodeAdministratorPassword('P@ssw0rd'), Buffer.from('P@ssw0rdAdministratorPassword', 'utf16le').toString('base64'));
  assert.equal(Buffer.from(encodeAdministratorPassword('Ünï'), 'base64').toString('utf16le'), 'ÜnïAdministratorPassword');
});

test('the generated answer file is merged with a supplied one whose values win; settings overwrite', () => {
  const supplied =
    `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="x86" publicKeyToken="31bf3856ad364e35" language="neutral" ` +
    `versionScope="nonSxS">
      <OOBE><HideEULAPage>false</HideEULAPage></OOBE>
    </component>
  </settings>
</unattend>`;
  const merged = mergeUnattend(supplied, 'amd64');
  assert.match(merged, /<HideEULAPage>false<\/HideEULAPage>/, 'the supplied value wins');
  assert.match(merged, /<ProtectYourPC>1<\/ProtectYourPC>/, 'generated values fill in');
  const set = setUnattendSettings(merged, [
    { pass: 'specialize', component: 'Microsoft-Windows-Shell-Setup', path: ['ComputerName'], value: 'PC-01' },
  ]);
  assert.match(
    set,
    /<settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup" processorArchitecture="x86"[^>]*><ComputerName>PC-01<\/ComputerName>/,
    "a new component takes the file's architecture",
  );
  const again = setUnattendSettings(set, [
    { pass: 'specialize', component: 'Microsoft-Windows-Shell-Setup', path: ['ComputerName'], value: 'PC-02' },
  ]);
  assert.equal((again.match(/<ComputerName>/g) ?? []).length, 1);
  assert.match(again, /PC-02/);
});

test('an answer file with a DTD or another root element is refused', () => {
  assert.throws(
    () => mergeUnattend('<!DOCTYPE x [<!ENTITY a "b">]><unattend/>', 'amd64'),
    (e: unknown) => isFerryError(e, 'FERRY_E_XML_MALFORMED'),
  );
  assert.throws(
    () => mergeUnattend('<sequence/>', 'amd64'),
    (e: unknown) => isFerryError(e, 'FERRY_E_XML_MALFORMED'),
  );
});
