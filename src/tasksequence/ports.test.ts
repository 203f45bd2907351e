import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFerryError } from '../errors/index.ts';
import { EventStream } from '../events/index.ts';
import { builtinUsmtRunner, localPackages } from './ports.ts';
import { tempDir } from './test-support.ts';

const tmp = tempDir('ferry-ts-ports-');
after(tmp.cleanup);

test(
  'packages: any id is the built-in engine (with its XML folder when ' +
    'installed); --package maps a folder and its declared USMT version',
  () => {
    const saved = process.env.FERRY_USMT_XML_DIR;
    try {
      process.env.FERRY_USMT_XML_DIR = join(tmp.dir, 'missing');
      const none = localPackages().usmt('CM100005')!;
      assert.equal(none.builtin, true);
      assert.equal(none.dir, undefined);
      const xml = join(tmp.dir, 'xml');
      mkdirSync(xml);
      process.env.FERRY_USMT_XML_DIR = xml;
      assert.equal(localPackages().usmt('ANY')!.dir, xml);
    } finally {
      if (saved === undefined) delete process.env.FERRY_USMT_XML_DIR;
      else process.env.FERRY_USMT_XML_DIR = saved;
    }
    const pkg = join(tmp.dir, 'usmt4');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'MigUser.xml'), '<migration/>');
    writeFileSync(join(pkg, 'readme.txt'), '');
    writeFileSync(join(pkg, 'ferry-package.json'), '{"usmtVersion": "4.0"}');
    const packages = localPackages({ cm100006: pkg });
    assert.deepEqual(packages.usmt('CM100006'), { id: 'CM100006', dir: pkg, usmtVersion: '4.0', files: ['MigUser.xml'], builtin: false });
    assert.equal(packages.folder('CM100006'), pkg);
    assert.equal(localPackages({ X: join(tmp.dir, 'nope') }).usmt('X'), undefined);
    writeFileSync(join(pkg, 'ferry-package.json'), '{');
    assert.throws(
      () => packages.usmt('CM100006'),
      (e: unknown) => isFerryError(e, 'FERRY_E_TS_PACKAGE_NOT_FOUND'),
    );
  },
);

test('the built-in USMT runner restores the working folder and environment after a call', async () => {
  const runner = builtinUsmtRunner();
  const cwd = process.cwd();
  const before = process.env.USMT_WORKING_DIR;
  const code = await runner
    .usmtutils(['/?'], { cwd: tmp.dir, env: { USMT_WORKING_DIR: tmp.dir }, events: new EventStream() })
    .catch((e: unknown) => {
      assert.ok(isFerryError(e, 'FERRY_E_TS_USMT_NOT_AVAILABLE'));
      return -1;
    });
  assert.ok(code === -1 || Number.isInteger(code));
  assert.equal(process.cwd(), cwd);
  assert.equal(process.env.USMT_WORKING_DIR, before);
});
