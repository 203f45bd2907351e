import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import type { Profile } from '../volume/index.ts';
import { PlanSpool, type PlannedObject } from './plan-spool.ts';

const alice = { userName: 'alice', domain: 'PC' } as Profile;
const zoe = { userName: 'Zoë Müller', domain: 'PC' } as Profile;

const entry = (winPath: string, hostPath: string, size: number) => ({
  winPath,
  hostPath,
  size,
  mtimeMs: 1_700_000_000_123.25,
  atimeMs: 1_700_000_001_000,
  birthtimeMs: 1_600_000_000_000,
  attributes: 0x80000020,
});

test('the plan gives back every object in order, with its user, component and walk facts', () => {
  const objects: PlannedObject[] = [
    { kind: 'dir', winPath: 'C:\\Users\\alice', entry: entry('C:\\Users\\alice', '/v/Users/alice', 0), user: alice, component: 'Docs' },
    {
      kind: 'file',
      winPath: 'C:\\Users\\Zoë Müller\\李伟.txt',
      entry: entry('C:\\Users\\Zoë Müller\\李伟.txt', '/v/Users/Zoë Müller/李伟.txt', 2 ** 40),
      user: zoe,
      component: 'Docs',
    },
    { kind: 'file', winPath: 'C:\\x.ini', entry: entry('C:\\x.ini', '/v/x.ini', 3), component: 'System' },
    {
      kind: 'registry',
      regLocation: 'HKCU\\Software\\X [V]',
      value: { name: 'V', type: 3, raw: Buffer.from([1, 2, 3]) },
      user: alice,
      component: 'Reg',
    },
    { kind: 'ini', winPath: 'C:\\x.ini|S[K]', ini: { file: 'C:\\x.ini', section: 'S', key: 'K', value: 'v' }, component: 'Ini' },
  ];
  // Enough records to cross the 1 MiB buffer several times, and one larger than the buffer.
  for (let i = 0; i < 20_000; i++) {
    const p = `Users\\alice\\Documents\\folder ${i % 37}\\file ${i}.docx`;
    objects.push({
      kind: 'file',
      winPath: `C:\\${p}`,
      entry: entry(`C:\\${p}`, `/v/${p.replaceAll('\\', '/')}`, i),
      user: alice,
      component: `C${i % 3}`,
    });
  }
  objects.push({
    kind: 'registry',
    regLocation: 'HKLM\\Big [B]',
    value: { name: 'B', type: 3, raw: Buffer.alloc(3 << 20, 7) },
    component: 'Reg',
  });
  objects.push({ kind: 'file', winPath: 'C:\\last', entry: entry('C:\\last', '/v/last', 1), component: 'System' });

  const spool = new PlanSpool(tmpdir());
  for (const o of objects) spool.add(o);
  const back = [...spool.read()];
  assert.equal(back.length, objects.length);
  for (let i = 0; i < objects.length; i++) {
    const a = objects[i]!;
    const b = back[i]!;
    assert.equal(b.kind, a.kind, `kind of ${i}`);
    assert.equal(b.user, a.user, `the same Profile object for ${i}`);
    assert.equal(b.component, a.component);
    assert.equal(b.winPath, a.winPath);
    if (a.entry) assert.deepEqual({ ...b.entry }, { ...a.entry });
    if (a.value)
      assert.deepEqual([b.value!.name, b.value!.type, Buffer.compare(b.value!.raw, a.value.raw)], [a.value.name, a.value.type, 0]);
    if (a.ini) assert.deepEqual(b.ini, a.ini);
    if (a.regLocation) assert.equal(b.regLocation, a.regLocation);
  }
});

test('an empty plan reads as nothing, and closing twice is harmless', () => {
  const spool = new PlanSpool(tmpdir());
  assert.deepEqual([...spool.read()], []);
  spool.close();
});
