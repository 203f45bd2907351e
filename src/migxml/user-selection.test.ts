import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFerryError } from '../errors/index.ts';
import type { Profile } from '../volume/index.ts';
import { selectUsers } from './user-selection.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 31);
const p = (domain: string, userName: string, isLocal: boolean, ageDays: number): Profile => ({
  userName,
  domain,
  isLocal,
  profilePath: `C:\\Users\\${userName}`,
  hostPath: `/v/Users/${userName}`,
  ntuserHostPath: `/v/Users/${userName}/NTUSER.DAT`,
  ntuserMtimeMs: NOW - ageDays * DAY,
});
const users = [
  p('FABRIKAM', 'user2', false, 100),
  p('FABRIKAM', 'old', false, 400),
  p('PC1', 'user1', true, 5),
  p('CONTOSO', 'ann', false, 10),
];
const opts = { computerName: 'PC1', offline: true, now: NOW };
const names = (sel: Parameters<typeof selectUsers>[1]) => selectUsers(users, sel, opts).map((u) => `${u.domain}\\${u.userName}`);

test('default and /all: every user', () => {
  assert.equal(names({ include: [], exclude: [] }).length, 4);
  assert.equal(names({ all: true, include: [], exclude: [] }).length, 4);
});

test('/ui beats /ue (usmt-cli.md §2.5 examples)', () => {
  assert.deepEqual(names({ include: ['fabrikam\\user2'], exclude: ['*\\*'] }), ['FABRIKAM\\user2']);
  assert.deepEqual(names({ include: ['user1'], exclude: ['*\\*'] }), ['PC1\\user1']);
  assert.deepEqual(names({ include: ['%computername%\\*'], exclude: ['*\\*'] }), ['PC1\\user1']);
  assert.deepEqual(names({ include: [], exclude: ['%computername%\\*'] }), ['FABRIKAM\\user2', 'FABRIKAM\\old', 'CONTOSO\\ann']);
});

test('/uel keeps recent NTUSER.DAT users and beats /ue; /ui still wins', () => {
  assert.deepEqual(names({ include: [], exclude: [], lastLogon: { days: 30 } }), ['PC1\\user1', 'CONTOSO\\ann']);
  assert.deepEqual(names({ include: ['fabrikam\\*'], exclude: ['contoso\\*'], lastLogon: { days: 30 } }), [
    'FABRIKAM\\user2',
    'FABRIKAM\\old',
    'PC1\\user1',
    'CONTOSO\\ann',
  ]);
  assert.deepEqual(names({ include: [], exclude: [], lastLogon: { since: new Date(NOW - 200 * DAY) } }), [
    'FABRIKAM\\user2',
    'PC1\\user1',
    'CONTOSO\\ann',
  ]);
});

test('/uel:0 offline is refused with return code 11', () => {
  assert.throws(
    () => selectUsers(users, { include: [], exclude: [], lastLogon: { days: 0 } }, opts),
    (err) => isFerryError(err, 'FERRY_E_INVALID_ARGUMENT') && err.usmtExitCode === 11,
  );
});
