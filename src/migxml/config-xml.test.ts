import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../errors/index.ts';
import { errorRuleFor, generateConfig, isComponentDisabled, loadConfig, parseConfigText } from './config-xml.ts';
import { loadRuleFile, allComponents } from './parser.ts';

import { MICROSOFT_XML_SKIP, microsoftXml } from '../usmt/testing/microsoft-xml.ts';

test("Microsoft's sample Config.xml parses: sections, nesting, commented policies", { skip: MICROSOFT_XML_SKIP }, async () => {
  const c = await loadConfig(microsoftXml('Config.xml'));
  assert.ok(c.sections.documents.some((d) => d.displayName === 'MigDocUser' && d.migrate));
  assert.ok(c.sections.windowsComponents.some((w) => w.children.length > 0));
  assert.equal(c.disabled.size, 0);
  assert.deepEqual(c.fileErrors, []);
});

test('/genconfig output of Microsoft\'s MigDocs/MigApp lists the components with their IDs and round-trips; migrate="no" turns one off', {
  skip: MICROSOFT_XML_SKIP,
}, async () => {
  const files = await Promise.all(['MigDocs.xml', 'MigApp.xml'].map((f) => loadRuleFile(microsoftXml(f))));
  const text = generateConfig(files);
  assert.match(
    text,
    /<component displayname="MigDocUser" migrate="yes" ID="http:\/\/www.microsoft.com\/migration\/1.0\/migxmlext\/migdocs\/migdocuser\/data"\/>/,
  );
  const parsed = parseConfigText(text);
  assert.equal(parsed.sections.documents.length, 2);
  assert.ok(parsed.sections.applications.length > 20);
  const off = parseConfigText(
    text
      .replace('migdocuser/data"', 'migdocuser/data"')
      .replace('displayname="MigDocUser" migrate="yes"', 'displayname="MigDocUser" migrate="no"'),
  );
  const byName = new Map([...allComponents(files[0]!.components)].map(({ component }) => [component.displayName, component]));
  assert.equal(isComponentDisabled(off, byName.get('MigDocUser')!), true);
  assert.equal(isComponentDisabled(off, byName.get('MigDocSystem')!), false);
});

test('ErrorControl: first matching rule in document order wins; ProfileControl and HardLinkStoreControl', () => {
  const c = parseConfigText(
    `<Configuration><Policies><ErrorControl>
    <fileError><nonFatal errorCode="33">* [*]</nonFatal><fatal errorCode="any">C:\\Users\\* [*]</fatal></fileError>
    <registryError><nonFatal errorCode="5">HKCU\\SOFTWARE\\Microsoft\\* [*]</nonFatal></registryError></ErrorControl>
    <HardLinkStoreControl><fileLocked><createHardLink>c:\\Users\\* [*]</createHardLink><errorHardLink>C:\\* ` +
      `[*]</errorHardLink></fileLocked></HardLinkStoreControl></Policies>
    <ProfileControl><localGroups><mappings><changeGroup From="Administrators" To="Users" ` +
      `appliesTo="MigratedUsers"><include><pattern>DOM\\u1</pattern></include></changeGroup></mappings></localGroups></ProfileControl>
  </Configuration>`,
  );
  assert.equal(errorRuleFor(c, 'file', 'C:\\Users\\bob\\x.doc', 33)?.fatal, false);
  assert.equal(errorRuleFor(c, 'file', 'C:\\Users\\bob\\x.doc', 5)?.fatal, true);
  assert.equal(errorRuleFor(c, 'file', 'C:\\Data\\x.doc', 5), null);
  assert.equal(errorRuleFor(c, 'registry', 'HKCU\\SOFTWARE\\Microsoft\\X [V]', 5)?.fatal, false);
  assert.deepEqual(
    c.hardLinkLocked.map((h) => h.action),
    ['createHardLink', 'errorHardLink'],
  );
  assert.deepEqual(c.changeGroups[0], {
    from: 'Administrators',
    to: 'Users',
    appliesTo: 'MigratedUsers',
    include: ['DOM\\u1'],
    exclude: [],
  });
});

test('a rule file given as /config is a coded error with USMT return code 39', () => {
  assert.throws(
    () => parseConfigText('<migration urlid="u"/>'),
    (err) => isFerryError(err, 'FERRY_E_CONFIG_INVALID') && err.usmtExitCode === 39,
  );
});
