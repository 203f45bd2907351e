// Secret values at rest in the site database ("do not display this value" variables): sealed
// with AES-256-GCM under a key derived from the site key (`<dataDir>/site.key`, 0600), bound to
// the variable's name, and opened only to hand them to the agent that runs the deployment.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../errors/index.ts';

const PREFIX = 'enc:v1:';

export class SecretBox {
  readonly #key: Buffer;

  constructor(siteKey: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', siteKey, Buffer.alloc(0), 'ferry-site-secrets-v1', 32));
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** Seal `plain` for the slot `context` (e.g. the variable name); an already sealed value is kept. */
  seal(plain: string, context: string): string {
    if (SecretBox.isSealed(plain) || plain === '') return plain;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  /** Open a sealed value (a plain one from before sealing is returned as it is). */
  open(value: string, context: string): string {
    if (!SecretBox.isSealed(value)) return value;
    const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12)).setAAD(Buffer.from(context));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    } catch (err) {
      throw new FerryError(
        'FERRY_E_SITE_INVALID',
        `The secret value of ${context} cannot be opened with this site key ` +
          `(${(err as Error).message}); set the value again, or start the site with the site.key it was ` +
          `sealed with.`,
        { cause: err, details: { field: context } },
      );
    }
  }
}

/** The site key: `<dataDir>/site.key` (32 random bytes, base64, mode 0600), created on first start. */
export function loadSiteKey(dataDir: string): Buffer {
  const file = join(dataDir, 'site.key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new FerryError('FERRY_E_INVALID_ARGUMENT', `Site key file ${file} does not hold a 256-bit key (base64).`, { details: { file } });
  return key;
}
