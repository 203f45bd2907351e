import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventStream } from '../events/index.ts';
import { RegType } from '../registry/index.ts';
import { memoryHive } from './memory-hive.ts';
import {
  domainNameFrom,
  localAccountNames,
  machineSidFromSam,
  profilesFromProfileList,
  sortProfiles,
  userNameFor,
  type ProfileHost,
} from './profiles.ts';
import { foldCase } from './winpath.ts';

const LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const MACHINE = 'S-1-5-21-1000-2000-3000';

function fakeHost(folders: string[]): { host: ProfileHost; warnings: string[] } {
  const events = new EventStream();
  const warnings: string[] = [];
  events.on((e) => {
    if (e.type === 'warning') warnings.push(`${e.code} ${e.path}`);
  });
  const known = new Map(folders.map((f) => [foldCase(f), f]));
  const host: ProfileHost = {
    systemDrive: 'C:',
    computerName: 'PC1',
    events,
    env: new Map([
      ['SYSTEMDRIVE', 'C:'],
      ['SYSTEMROOT', 'C:\\Windows'],
    ]),
    lookup: (w) => {
      const hit = known.get(foldCase(w));
      return hit
        ? { winPath: hit, hostPath: `/vol/${hit.slice(3).replace(/\\/g, '/')}`, kind: hit.endsWith('.DAT') ? 'file' : 'dir' }
        : null;
    },
    names: () => [],
    mtime: () => 1_700_000_000_000,
  };
  return { host, warnings };
}

const entry = (image: string, state = 0) => ({
  ProfileImagePath: [RegType.EXPAND_SZ, image] as const,
  State: [RegType.DWORD, state] as const,
});

test('ProfileList: system SIDs skipped, temp/backup warned, missing folders warned, local vs domain vs Azure AD', () => {
  const software = memoryHive({
    [LIST]: {},
    [`${LIST}\\S-1-5-18`]: entry('%systemroot%\\system32\\config\\systemprofile'),
    [`${LIST}\\S-1-5-19`]: entry('%systemroot%\\ServiceProfiles\\LocalService'),
    [`${LIST}\\${MACHINE}-1001`]: entry('%SystemDrive%\\Users\\alice'),
    [`${LIST}\\S-1-5-21-7-8-9-1105`]: entry('C:\\Users\\bob.CORP'),
    [`${LIST}\\S-1-12-1-11-22-33-44`]: entry('%SYSTEMDRIVE%\\Users\\AzureAD_carol'),
    [`${LIST}\\${MACHINE}-1002`]: entry('C:\\Users\\TEMP', 0x0800),
    [`${LIST}\\${MACHINE}-1003.bak`]: entry('C:\\Users\\dave'),
    [`${LIST}\\${MACHINE}-1003`]: entry('C:\\Users\\TEMP.PC1', 0x0800),
    [`${LIST}\\${MACHINE}-1005`]: entry('C:\\Users\\erin'),
    [`${LIST}\\${MACHINE}-1005.bak`]: entry('C:\\Users\\erin.old'),
    [`${LIST}\\${MACHINE}-1006.bak`]: entry('C:\\Users\\frank', 0x8000),
    [`${LIST}\\${MACHINE}-1004`]: entry('C:\\Users\\gone'),
  });
  const { host, warnings } = fakeHost([
    'C:\\Users\\alice',
    'C:\\Users\\alice\\NTUSER.DAT',
    'C:\\Users\\bob.CORP',
    'C:\\Users\\AzureAD_carol',
    'C:\\Users\\TEMP',
    'C:\\Users\\dave',
    'C:\\Users\\erin',
    'C:\\Users\\frank',
  ]);
  const profiles = sortProfiles(profilesFromProfileList(host, software, { machineSid: MACHINE, domainName: 'CORP' })!);
  assert.deepEqual(
    profiles.map((p) => [p.userName, p.sid, p.domain, p.isLocal, p.profilePath]),
    [
      ['alice', `${MACHINE}-1001`, 'PC1', true, 'C:\\Users\\alice'],
      ['AzureAD_carol', 'S-1-12-1-11-22-33-44', 'AzureAD', false, 'C:\\Users\\AzureAD_carol'],
      ['bob', 'S-1-5-21-7-8-9-1105', 'CORP', false, 'C:\\Users\\bob.CORP'],
      ['dave', `${MACHINE}-1003`, 'PC1', true, 'C:\\Users\\dave'],
      ['erin', `${MACHINE}-1005`, 'PC1', true, 'C:\\Users\\erin'],
    ],
  );
  assert.equal(profiles[0]!.ntuserMtimeMs, 1_700_000_000_000);
  assert.equal(profiles[1]!.ntuserMtimeMs, undefined, 'no NTUSER.DAT: no last-logon time');
  assert.deepEqual(warnings.sort(), [
    'FERRY_W_PROFILE_MISSING C:\\Users\\gone',
    'FERRY_W_PROFILE_TEMPORARY C:\\Users\\TEMP', // temporary, no backup: skipped
    'FERRY_W_PROFILE_TEMPORARY C:\\Users\\TEMP.PC1', // temporary; its .bak (dave) is migrated
    'FERRY_W_PROFILE_TEMPORARY C:\\Users\\erin.old', // stale .bak beside a good entry
    'FERRY_W_PROFILE_TEMPORARY C:\\Users\\frank', // .bak flagged as backup
  ]);
});

test('without the machine SID every S-1-5-21 account is a local account of the computer', () => {
  const software = memoryHive({ [`${LIST}\\S-1-5-21-7-8-9-1105`]: entry('C:\\Users\\bob') });
  const { host } = fakeHost(['C:\\Users\\bob']);
  const [bob] = profilesFromProfileList(host, software, { machineSid: null, domainName: 'CORP' })!;
  assert.equal(bob!.domain, 'PC1');
  assert.equal(bob!.isLocal, true);
  assert.equal(profilesFromProfileList(host, memoryHive({ Other: {} }), { machineSid: null, domainName: null }), null);
});

test('machine SID from SAM and domain name from Winlogon or TCP/IP', () => {
  const v = Buffer.alloc(64);
  v.writeUInt32LE(1000, 52);
  v.writeUInt32LE(2000, 56);
  v.writeUInt32LE(3000, 60);
  assert.equal(machineSidFromSam(memoryHive({ 'SAM\\Domains\\Account': { V: [RegType.BINARY, v] } })), MACHINE);
  assert.equal(machineSidFromSam(memoryHive({})), null);
  const software = memoryHive({ 'Microsoft\\Windows NT\\CurrentVersion\\Winlogon': { DefaultDomainName: [RegType.SZ, 'CONTOSO'] } });
  assert.equal(domainNameFrom(software, null, 'ControlSet001', 'PC1'), 'CONTOSO');
  const local = memoryHive({ 'Microsoft\\Windows NT\\CurrentVersion\\Winlogon': { DefaultDomainName: [RegType.SZ, 'pc1'] } });
  const system = memoryHive({ 'ControlSet001\\Services\\Tcpip\\Parameters': { Domain: [RegType.SZ, 'corp.example.com'] } });
  assert.equal(domainNameFrom(local, system, 'ControlSet001', 'PC1'), 'CORP');
  assert.equal(domainNameFrom(null, null, 'ControlSet001', 'PC1'), null);
});

test('account names: SAM names by RID for local accounts, profile-folder suffixes stripped otherwise', () => {
  const sam = memoryHive({
    'SAM\\Domains\\Account\\Users\\Names\\Alice Renamed': { '': [1001, Buffer.alloc(0)] },
    'SAM\\Domains\\Account\\Users\\Names\\Administrator': { '': [500, Buffer.alloc(0)] },
  });
  const localNames = localAccountNames(sam);
  assert.deepEqual(
    [...localNames],
    [
      [1001, 'Alice Renamed'],
      [500, 'Administrator'],
    ],
  );
  const info = { machineSid: MACHINE, domainName: 'CORP', localNames };
  assert.equal(userNameFor('alice', `${MACHINE}-1001`, 'PC1', info), 'Alice Renamed');
  assert.equal(userNameFor('bob.CORP', 'S-1-5-21-7-8-9-1105', 'CORP', info), 'bob');
  assert.equal(userNameFor('bob.corp.001', 'S-1-5-21-7-8-9-1105', 'CORP', info), 'bob');
  assert.equal(userNameFor('carol.PC1', `${MACHINE}-1009`, 'PC1', info), 'carol');
  assert.equal(userNameFor('dave.smith', undefined, 'PC1', null), 'dave.smith');
  assert.equal(userNameFor('.CORP', 'S-1-5-21-7-8-9-1', 'CORP', info), '.CORP');
});
