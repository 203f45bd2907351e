// `usmtutils /rd`: remove a hard-link store, and nothing that is not one.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { FerryError, fromSystemError, isFerryError } from '../errors/index.ts';
import { inspectStore, locateStore } from './layout.ts';

/**
 * Delete a hard-link store (complete or interrupted): its `USMT` folder, then the store folder if
 * that is left empty. Removing a hard link removes one name, never the original file.
 */
export async function deleteHardlinkStore(storeDir: string): Promise<void> {
  const paths = await locateStore(storeDir);
  let type: string;
  try {
    type = (await inspectStore(paths.storeDir)).type;
  } catch (err) {
    if (isFerryError(err, 'FERRY_E_STORE_NOT_FOUND')) {
      throw new FerryError('FERRY_E_STORE_NOT_HARDLINK', `${storeDir} does not hold a store, so it is not deleted.`, {
        details: { path: storeDir },
      });
    }
    throw err;
  }
  if (type !== 'hardlink') {
    throw new FerryError('FERRY_E_STORE_NOT_HARDLINK', `${storeDir} holds a ${type} store, not a hard-link store, so it is not deleted.`, {
      details: { path: storeDir, type },
    });
  }
  try {
    await rm(paths.usmtDir, { recursive: true, force: true });
    if ((await readdir(paths.storeDir)).length === 0) await rmdir(paths.storeDir);
  } catch (err) {
    throw fromSystemError(err, `removing the hard-link store ${storeDir}`);
  }
}
