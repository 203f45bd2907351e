// A volume root given on a command line (`ferry ts run --root`, `ferry agent --root`,
// `ferry serve --agent NAME=ROOT`) is checked before anything runs on it, so a typo fails at once
// instead of creating the path (smsts.log, state folders) or registering an agent for nothing.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';

/** The absolute host path of an existing volume root folder; FERRY_E_VOLUME_ROOT_NOT_FOUND otherwise. */
export function requireVolumeRoot(hostPath: string, option = '--root '): string {
  const abs = resolve(hostPath);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st?.isDirectory())
    throw new FerryError(
      'FERRY_E_VOLUME_ROOT_NOT_FOUND',
      `${option}${hostPath}: ${st ? 'is not a folder' : 'no such folder'}. Give the ` +
        `folder that is the volume's C:\\ (it holds Windows and Users).`,
      { details: { path: abs } },
    );
  return abs;
}
