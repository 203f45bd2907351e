import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLocationModify, collisionName, destinationOf, mapMissingDrive, placeByPattern, resolveCollision } from './relocate.ts';
import { parseScriptCall } from './script-call.ts';

const call = (t: string) => parseScriptCall(t, { file: 't' });
const src = new Map([
  ['CSIDL_PERSONAL', 'C:\\Users\\bob\\Documents'],
  ['CSIDL_PROFILE', 'C:\\Users\\bob'],
  ['SYSTEMDRIVE', 'C:'],
]);
const dst = new Map([
  ['CSIDL_PERSONAL', 'D:\\Home\\bob\\Docs'],
  ['SYSTEMDRIVE', 'C:'],
]);
const env = { source: src, destination: dst };

test('RelativeMove maps the source root to the destination root; others are untouched', () => {
  const rm = call("MigXmlHelper.RelativeMove('C:\\EngineeringDrafts','%CSIDL_PERSONAL%')");
  assert.equal(applyLocationModify(rm, 'C:\\EngineeringDrafts\\sub\\a.dwg', false, env), 'D:\\Home\\bob\\Docs\\sub\\a.dwg');
  assert.equal(applyLocationModify(rm, 'C:\\EngineeringDraftsX\\a.dwg', false, env), null);
});

test('Move keeps the part below the deepest known folder (§9.5)', () => {
  const mv = call("MigXmlHelper.Move('C:\\Music')");
  assert.equal(applyLocationModify(mv, 'D:\\Party\\x.mp3', false, env), 'C:\\Music\\Party\\x.mp3');
  assert.equal(applyLocationModify(mv, 'C:\\Users\\bob\\Documents\\Songs\\y.mp3', false, env), 'C:\\Music\\Songs\\y.mp3');
});

test('ExactMove: a node flattens, a leaf renames', () => {
  assert.equal(applyLocationModify(call("MigXmlHelper.ExactMove('C:\\Flat')"), 'C:\\a\\b\\c.txt', false, env), 'C:\\Flat\\c.txt');
  assert.equal(
    applyLocationModify(
      call("MigXmlHelper.ExactMove('HKCU\\Keyboard Layout\\Toggle [HotKey]')"),
      'HKCU\\Keyboard Layout\\Toggle\\',
      false,
      env,
    ),
    'HKCU\\Keyboard Layout\\Toggle\\HotKey',
  );
});

test('a missing destination drive becomes the system drive, even after locationModify', () => {
  const e = { ...env, destinationDrives: ['C:'], systemDrive: 'C:' };
  assert.equal(mapMissingDrive('E:\\data\\File.pst', e), 'C:\\data\\File.pst');
  assert.equal(
    destinationOf('C:\\EngineeringDrafts\\a.dwg', false, call("MigXmlHelper.RelativeMove('C:\\EngineeringDrafts','%CSIDL_PERSONAL%')"), e),
    'C:\\Home\\bob\\Docs\\a.dwg',
  );
});

test('§6.6 collisions: default rename r(1).docx, registry overwrite, merge scripts', () => {
  assert.equal(collisionName('C:\\Users\\bob\\Documents\\r.docx', 1), 'C:\\Users\\bob\\Documents\\r(1).docx');
  assert.equal(placeByPattern('C:\\d\\MyDocument.doc', '<F> (<N>).<E>', 1), 'C:\\d\\MyDocument (1).doc');
  const existing = new Set(['C:\\Data\\SampleB.txt', 'C:\\Data\\Folder\\SampleB.txt', 'C:\\Data\\Folder\\SampleB(1).txt']);
  const exists = (p: string) => existing.has(p);
  assert.deepEqual(resolveCollision({ kind: 'file', path: 'C:\\Data\\SampleA.txt', exists }), {
    action: 'write',
    path: 'C:\\Data\\SampleA.txt',
  });
  assert.deepEqual(resolveCollision({ kind: 'file', path: 'C:\\Data\\Folder\\SampleB.txt', exists }), {
    action: 'write',
    path: 'C:\\Data\\Folder\\SampleB(2).txt',
  });
  assert.deepEqual(
    resolveCollision({ kind: 'file', path: 'C:\\Data\\SampleB.txt', exists, merge: call('MigXmlHelper.DestinationPriority()') }),
    { action: 'skip' },
  );
  assert.deepEqual(
    resolveCollision({ kind: 'file', path: 'C:\\Data\\SampleB.txt', exists, merge: call('MigXmlHelper.SourcePriority()') }),
    { action: 'overwrite', path: 'C:\\Data\\SampleB.txt' },
  );
  assert.deepEqual(resolveCollision({ kind: 'registry', path: 'C:\\Data\\SampleB.txt', exists }), {
    action: 'overwrite',
    path: 'C:\\Data\\SampleB.txt',
  });
});

test('variable remap: objects under the source value follow the variable to its destination value', () => {
  const e = { source: new Map([['APP', 'C:\\Old\\App']]), destination: new Map([['APP', 'D:\\New\\App']]) };
  const remaps = [{ name: 'App', source: 'C:\\Old\\App' }];
  assert.equal(destinationOf('C:\\Old\\App\\data\\x.db', false, undefined, e, remaps), 'D:\\New\\App\\data\\x.db');
  assert.equal(destinationOf('C:\\Other\\x.db', false, undefined, e, remaps), 'C:\\Other\\x.db');
});
