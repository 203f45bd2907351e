// The SMP's data directory: the SQLite database (by default), the site key and the admin token
// hash. Secrets are created on first start; the admin token itself is returned once to be
// printed and never written anywhere.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { newSiteKey } from './keys.ts';
import { hashSecret, newSecret } from './secrets.ts';

export interface DataDirSecrets {
  readonly siteKey: Buffer;
  readonly adminTokenHash: string;
  /** Only on first start: the admin token, to show once. */
  readonly adminToken?: string;
  readonly siteKeyFile: string;
}

export function defaultDatabasePath(dataDir: string): string {
  return join(dataDir, 'smp.sqlite');
}

function writeSecretFile(path: string, content: string | Buffer): void {
  // 'wx' so two processes starting on one data directory cannot both create it.
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/** Load (or create) the secrets in `dataDir`; `siteKeyFile` overrides where the site key is read from (shared by the SMPs of a site). */
export function loadDataDir(dataDir: string, siteKeyFile?: string): DataDirSecrets {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // An existing directory keeps the mode it was made with: the SMP's keys and database are its own.
    chmodSync(dataDir, 0o700);
    const keyFile = siteKeyFile ?? join(dataDir, 'site.key');
    if (!existsSync(keyFile)) {
      if (siteKeyFile)
        throw new FerryError(
          'FERRY_E_INVALID_ARGUMENT',
          `Site key file ${siteKeyFile} does not exist; copy the site.key of the first SMP of the site.`,
        );
      writeSecretFile(keyFile, newSiteKey().toString('base64') + '\n');
    }
    const siteKey = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (siteKey.length !== 32)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Site key file ${keyFile} does not hold a 256-bit key (base64).`);
    const hashFile = join(dataDir, 'admin-token.sha256');
    let adminToken: string | undefined;
    if (!existsSync(hashFile)) {
      adminToken = newSecret('admin');
      writeSecretFile(hashFile, hashSecret(adminToken) + '\n');
    }
    const adminTokenHash = readFileSync(hashFile, 'utf8').trim();
    return { siteKey, adminTokenHash, siteKeyFile: keyFile, ...(adminToken ? { adminToken } : {}) };
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw new FerryError('FERRY_E_IO', `Cannot prepare the SMP data directory ${dataDir}: ${(err as Error).message}.`, {
      cause: err,
      details: { dataDir },
    });
  }
}

/** Replace the admin token (the old one stops working); returns the new token to show once. */
export function rotateAdminToken(dataDir: string): string {
  const token = newSecret('admin');
  writeFileSync(join(dataDir, 'admin-token.sha256'), hashSecret(token) + '\n', { mode: 0o600 });
  return token;
}
