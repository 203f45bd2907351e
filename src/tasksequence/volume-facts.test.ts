import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateSampleVolume } from '../sample-volume/index.ts';
import { Engine } from './engine.ts';
import { recordingUsmt, tempDir } from './test-support.ts';
import { computerNameFromVolume, operatingSystemWmi, volumeRegistry } from './volume-facts.ts';
import { parseSequenceXml } from './xml.ts';

const tmp = tempDir('ferry-ts-facts-');
after(tmp.cleanup);

test("registry, OS version and computer name come from the generated volume's real hives", async () => {
  const root = join(tmp.dir, 'vol');
  generateSampleVolume({ out: root, size: 3 << 20, users: 1, seed: 7 });
  const reg = volumeRegistry(root);
  assert.ok(reg);
  const os = await operatingSystemWmi(reg);
  assert.match(String(os?.[0]?.Version), /^10\.0\.\d+$/);
  assert.ok(await reg.keyExists('HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList'));
  const name = await computerNameFromVolume(reg);
  assert.ok(name);

  const cond = (inner: string) => `<condition>${inner}</condition>`;
  const setVar = (n: string, c: string) =>
    `<step type="SMS_TaskSequence_SetVariableAction" name="${n}"><action>tsenv.exe "${n}=yes"</action>${c}</step>`;
  const win10 =
    '<expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\\cimv2</variable>' +
    '<variable name="Query">SELECT * FROM Win32_OperatingSystem WHERE Version LIKE "10.0%" AND ProductType = "1"</variable></expression>';
  const profileList =
    '<expression type="SMS_TaskSequence_RegistryConditionExpression">' +
    '<variable name="KeyPath">HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion</variable>' +
    '<variable name="Value">CurrentBuildNumber</variable><variable name="Type">REG_SZ</variable>' +
    '<variable name="Operator">greater</variable><variable name="Data">9000</variable></expression>';
  const win7 =
    '<expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\\cimv2</variable>' +
    '<variable name="Query">SELECT * FROM Win32_OperatingSystem WHERE Version LIKE "6.1%"</variable></expression>';
  const seq = parseSequenceXml(`<sequence version="3.10">
    ${setVar('OnWindows10', cond(win10))}
    ${setVar('HasProfileList', cond(profileList))}
    ${setVar('OnWindows7', cond(win7))}
  </sequence>`);
  const engine = await Engine.start({ sequence: seq, computer: { root }, stateDir: join(tmp.dir, 'state'), usmt: recordingUsmt() });
  assert.equal(engine.variables()._SMSTSMachineName, name);
  assert.equal((await engine.run()).status, 'succeeded');
  const vars = engine.variables();
  assert.equal(vars.OnWindows10, 'yes');
  assert.equal(vars.HasProfileList, 'yes');
  assert.equal(vars.OnWindows7, undefined);
});
