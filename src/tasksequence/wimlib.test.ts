import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWimInfo } from './wimlib.ts';
import { parseSequenceXml, serializeSequenceXml } from './xml.ts';
import { isStepOfType } from './model.ts';

test('wiminfo output: index, name, edition, architecture, size per image', () => {
  const text = `WIM Information:
----------------
Path:           install.wim
Image Count:    2

Available Images:
-----------------
Index:                  1
Name:                   Windows 11 Pro
Description:            desc
Directory Count:        3
File Count:             12
Total Bytes:            4096
Flags:                  Professional

Index:                  2
Name:                   Windows 11 Enterprise
Total Bytes:            8192
Architecture:           x86_64
Edition ID:             Enterprise
Flags:                  Enterprise
`;
  assert.deepEqual(parseWimInfo(text), [
    { index: 1, name: 'Windows 11 Pro', description: 'desc', edition: 'Professional', architecture: '', size: 4096, fileCount: 12 },
    { index: 2, name: 'Windows 11 Enterprise', description: '', edition: 'Enterprise', architecture: 'x86_64', size: 8192, fileCount: 0 },
  ]);
});

test('Apply Operating System Image: image, answer file and each destination survive XML', () => {
  for (const target of ['', ' /target:0,2', ' /target:C:', ' /target:%OSDisk%']) {
    const xml =
      `<sequence version="3.10"><step type="SMS_TaskSequence_ApplyOperatingSystemAction" name="Apply Operating ` +
      `System"><action>OSDApplyOS.exe /image:FRY00002,%OSDImageIndex% "/config:FRY00003,%OSDConfigFileName%"${target} ` +
      `/runfromnet:False</action><defaultVarList><variable name="OSDImageIndex" property="ImageIndex">3</variable><variable ` +
      `name="OSDConfigFileName" property="ConfigFileName">unattend.xml</variable></defaultVarList></step></sequence>`;
    const seq = parseSequenceXml(xml);
    const step = seq.children[0]!;
    assert.ok(isStepOfType(step, 'SMS_TaskSequence_ApplyOperatingSystemAction'));
    assert.equal(step.properties.ImagePackageID, 'FRY00002');
    assert.equal(step.properties.ImageIndex, 3);
    assert.equal(step.properties.ConfigFilePackage, 'FRY00003');
    assert.equal(
      step.properties.Destination,
      target === '' ? 'NextAvailable' : target.includes(',') ? 'DiskAndPartition' : target.includes('%') ? 'Variable' : 'LogicalDrive',
    );
    assert.deepEqual(parseSequenceXml(serializeSequenceXml(seq)), seq);
  }
});
