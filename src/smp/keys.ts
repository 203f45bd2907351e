// Per-store data keys and their key slots. A store's 256-bit data key is never stored as is:
// the "site" slot wraps it with the site key (AES-256-GCM), so any SMP of the site holding that
// key can hand it to the restoring computer; the "recovery" slot seals it to the site recovery
// public key (X25519 + HKDF-SHA256 + AES-256-GCM), so whoever holds the recovery private key —
// printed once when the site was created — can open it even if the site key is lost.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { FerryError } from '../errors/index.ts';

const b64u = (b: Buffer): string => b.toString('base64url');
const unb64u = (s: string): Buffer => Buffer.from(s, 'base64url');

export function newDataKey(): Buffer {
  return randomBytes(32);
}

export function newSiteKey(): Buffer {
  return randomBytes(32);
}

/** A short public fingerprint of the site key, kept in the database so that a server started with a different key refuses to run. */
export function siteKeyId(siteKey: Buffer): string {
  return createHash('sha256').update('ferry-smp-site-key\0').update(siteKey).digest('hex').slice(0, 32);
}

function seal(key: Buffer, plain: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return [b64u(iv), b64u(c.getAuthTag()), b64u(ct)].join('.');
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [iv, tag, ct] = sealed.split('.');
  if (!iv || !tag || ct === undefined) throw new Error('malformed key slot');
  const d = createDecipheriv('aes-256-gcm', key, unb64u(iv));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(unb64u(tag));
  return Buffer.concat([d.update(unb64u(ct)), d.final()]);
}

// The store id is bound into every slot so a slot copied onto another store does not open.
const aadFor = (storeId: string, kind: string): string => `ferry-smp-key-slot\0${kind}\0${storeId}`;

export function wrapWithSiteKey(dataKey: Buffer, siteKey: Buffer, storeId: string): string {
  return `s1.${seal(siteKey, dataKey, aadFor(storeId, 'site'))}`;
}

export function unwrapWithSiteKey(slot: string, siteKey: Buffer, storeId: string): Buffer {
  try {
    if (!slot.startsWith('s1.')) throw new Error('unknown slot version');
    return open(siteKey, slot.slice(3), aadFor(storeId, 'site'));
  } catch (err) {
    throw new FerryError(
      'FERRY_E_INTERNAL',
      `The key slot of store ${storeId} does not open with this server's site key; start ` +
        `the server with the site key the store was created with (--site-key).`,
      { cause: err, details: { storeId } },
    );
  }
}

export interface RecoveryKeyPair {
  /** SPKI DER, base64url: kept in the database. */
  readonly publicKey: string;
  /** `frk_` + PKCS#8 DER, base64url: shown once, never stored. */
  readonly privateKey: string;
}

export function newRecoveryKeyPair(): RecoveryKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: b64u(publicKey.export({ type: 'spki', format: 'der' })),
    privateKey: `frk_${b64u(privateKey.export({ type: 'pkcs8', format: 'der' }))}`,
  };
}

function recoveryKek(shared: Buffer, ephemeralPub: Buffer, recipientPub: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralPub, recipientPub]), 'ferry-smp-recovery-slot', 32));
}

export function sealToRecoveryKey(dataKey: Buffer, recoveryPublicKey: string, storeId: string): string {
  const recipientDer = unb64u(recoveryPublicKey);
  const recipient = createPublicKey({ key: recipientDer, format: 'der', type: 'spki' });
  const eph = generateKeyPairSync('x25519');
  const ephDer = eph.publicKey.export({ type: 'spki', format: 'der' });
  const kek = recoveryKek(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), ephDer, recipientDer);
  return `r1.${b64u(ephDer)}.${seal(kek, dataKey, aadFor(storeId, 'recovery'))}`;
}

/** Open a recovery slot with the recovery private key (`frk_…`): the manual recovery path. */
export function openRecoverySlot(slot: string, recoveryPrivateKey: string, storeId: string): Buffer {
  try {
    const [version, eph, ...rest] = slot.split('.');
    if (version !== 'r1' || !eph || !recoveryPrivateKey.startsWith('frk_')) throw new Error('not a recovery slot or key');
    const priv: KeyObject = createPrivateKey({ key: unb64u(recoveryPrivateKey.slice(4)), format: 'der', type: 'pkcs8' });
    const recipientDer = createPublicKey(priv).export({ type: 'spki', format: 'der' });
    const ephDer = unb64u(eph);
    const ephKey = createPublicKey({ key: ephDer, format: 'der', type: 'spki' });
    const kek = recoveryKek(diffieHellman({ privateKey: priv, publicKey: ephKey }), ephDer, recipientDer);
    return open(kek, rest.join('.'), aadFor(storeId, 'recovery'));
  } catch (err) {
    throw new FerryError(
      'FERRY_E_INVALID_ARGUMENT',
      `The recovery key does not open the recovery slot of store ${storeId}; check you ` +
        `use this site's recovery key (frk_…) and the slot of that store.`,
      { cause: err, details: { storeId } },
    );
  }
}
