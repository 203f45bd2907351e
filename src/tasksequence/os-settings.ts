// Apply Windows Settings and Apply Network Settings: they write their values into the answer
// file of the applied image (unattend.ts), which Windows setup reads when Setup Windows and
// ConfigMgr restarts the computer into the new operating system. The log names the settings
// written, never a password or product key.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { toHostPath } from './computer.ts';
import type { KnownStep } from './model.ts';
import type { OsImageContext } from './os-image.ts';
import { encodeAdministratorPassword, randomPassword, setUnattendSettings, UNATTEND_PATH, type UnattendSetting } from './unattend.ts';
import type { UserStateResult } from './user-state.ts';

const SHELL = 'Microsoft-Windows-Shell-Setup';
const JOIN = 'Microsoft-Windows-UnattendedJoin';

function writeSettings(ctx: OsImageContext, component: string, settings: UnattendSetting[], names: string[]): UserStateResult {
  const file = toHostPath(ctx.computer.root, UNATTEND_PATH);
  if (file === null || !existsSync(toHostPath(ctx.computer.root, 'C:\\Windows')!)) {
    return {
      exitCode: 1,
      error: new FerryError(
        'FERRY_E_OSIMAGE_NOT_APPLIED',
        `There is no applied image on C: to configure; run Apply Operating System Image before this step.`,
      ),
    };
  }
  try {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, setUnattendSettings(before, settings));
  } catch (err) {
    return {
      exitCode: 1,
      error:
        err instanceof FerryError
          ? err
          : new FerryError('FERRY_E_INTERNAL', `Writing ${UNATTEND_PATH} failed: ${(err as Error).message}`, { cause: err }),
    };
  }
  ctx.log(1, component, `Wrote ${names.join(', ') || 'no settings'} into ${UNATTEND_PATH}.`);
  return { exitCode: 0 };
}

export function applyWindowsSettings(step: KnownStep<'SMS_TaskSequence_ApplyWindowsSettingsAction'>, ctx: OsImageContext): UserStateResult {
  const p = step.properties;
  const v = (name: string, fallback: string) => ctx.env.get(name) ?? fallback;
  const s: UnattendSetting[] = [];
  const names: string[] = [];
  const add = (label: string, pass: UnattendSetting['pass'], path: string[], value: string) => {
    if (value === '') return;
    s.push({ pass, component: SHELL, path, value });
    if (!names.includes(label)) names.push(label);
  };
  add('ComputerName', 'specialize', ['ComputerName'], v('OSDComputerName', p.ComputerName) || (ctx.env.get('_SMSTSMachineName') ?? ''));
  add('RegisteredOwner', 'specialize', ['RegisteredOwner'], v('OSDRegisteredUserName', p.RegisteredUserName));
  add('RegisteredOrganization', 'specialize', ['RegisteredOrganization'], v('OSDRegisteredOrgName', p.RegisteredOrgName));
  add('ProductKey (hidden)', 'specialize', ['ProductKey'], v('OSDProductKey', p.ProductKey));
  add('TimeZone', 'specialize', ['TimeZone'], v('OSDTimeZone', p.TimeZone));
  const random = v('OSDRandomAdminPassword', String(p.RandomAdminPassword)).toLowerCase() === 'true';
  const password = random ? randomPassword() : v('OSDLocalAdminPassword', p.AdminPassword);
  if (password !== '') {
    add(
      random ? 'AdministratorPassword (random, hidden)' : 'AdministratorPassword (hidden)',
      'oobeSystem',
      ['UserAccounts', 'AdministratorPassword', 'Value'],
      encodeAdministratorPassword(password),
    );
    add('AdministratorPassword (hidden)', 'oobeSystem', ['UserAccounts', 'AdministratorPassword', 'PlainText'], 'false');
  }
  return writeSettings(ctx, 'OSDWinSettings', s, names);
}

export function applyNetworkSettings(step: KnownStep<'SMS_TaskSequence_ApplyNetworkSettingsAction'>, ctx: OsImageContext): UserStateResult {
  const p = step.properties;
  const v = (name: string, fallback: string) => ctx.env.get(name) ?? fallback;
  const domain = v('OSDDomainName', p.DomainName);
  const s: UnattendSetting[] = [];
  const names: string[] = [];
  const add = (label: string, path: string[], value: string) => {
    if (value === '') return;
    s.push({ pass: 'specialize', component: JOIN, path, value });
    names.push(label);
  };
  if (v('OSDJoinType', p.JoinType) === 'Domain' || (p.JoinType !== 'Workgroup' && domain)) {
    if (!domain)
      return {
        exitCode: 1,
        error: new FerryError('FERRY_E_TS_PROPERTY_INVALID', `"${step.name}" joins a domain but names none (OSDDomainName).`),
      };
    add('JoinDomain', ['Identification', 'JoinDomain'], domain);
    add('MachineObjectOU', ['Identification', 'MachineObjectOU'], v('OSDDomainOUName', p.DomainOUName));
    const account = v('OSDJoinAccount', p.DomainUserName);
    const [accountDomain, user] = account.includes('\\') ? (account.split('\\', 2) as [string, string]) : [domain, account];
    add('Credentials.Domain', ['Identification', 'Credentials', 'Domain'], user ? accountDomain : '');
    add('Credentials.Username', ['Identification', 'Credentials', 'Username'], user);
    add('Credentials.Password (hidden)', ['Identification', 'Credentials', 'Password'], v('OSDJoinPassword', p.DomainPassword));
  } else {
    add('JoinWorkgroup', ['Identification', 'JoinWorkgroup'], v('OSDWorkgroupName', p.WorkgroupName) || 'WORKGROUP');
  }
  return writeSettings(ctx, 'OSDNetSettings', s, names);
}
