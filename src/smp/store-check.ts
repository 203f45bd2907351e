// The SMP's check of an uploaded store against the store's own authentication: the catalog and
// every file must open and authenticate with the store's data key (src/store's verify), so a
// capture is released for restore only if LoadState will be able to read it. An SMP store is an
// encrypted, compressed Ferry store under the grant's key and nothing else (src/smp/README.md).
import { FerryError, isFerryError } from '../errors/index.ts';
import { openStore } from '../store/index.ts';

export async function verifyUploadedStore(dir: string, dataKey: Buffer): Promise<void> {
  let reader: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    // The task sequence hands ScanState the key as `/key:<base64>`, so that text is the store key.
    reader = await openStore(dir, { key: dataKey.toString('base64') });
    if (!reader.encrypted || reader.type !== 'compressed') {
      throw new FerryError(
        'FERRY_E_SMP_STORE_REJECTED',
        `The uploaded store is ${reader.encrypted ? 'not compressed' : 'not encrypted'}; a State Migration Point holds only ` +
          `compressed stores encrypted with the key of the grant (ScanState /encrypt with OSDStateStorePath's key).`,
        {
          details: { reason: reader.encrypted ? 'uncompressed' : 'unencrypted', type: reader.type },
        },
      );
    }
    const report = await reader.verify('failureonly');
    if (!report.catalogOk || report.corrupted) {
      const first = report.catalogError ?? report.results[0];
      throw new FerryError(
        'FERRY_E_SMP_STORE_REJECTED',
        `The uploaded store failed its integrity check ` +
          (`(${report.catalogOk ? `${report.corrupted} of ${report.files} files corrupted` : 'catalog'}` +
            `${first && 'message' in first ? `: ${first.message}` : ''}); `) +
          `capture and upload it again.`,
        {
          details: { files: report.files, corrupted: report.corrupted, catalogOk: report.catalogOk },
        },
      );
    }
  } catch (err) {
    if (isFerryError(err, 'FERRY_E_SMP_STORE_REJECTED')) throw err;
    throw new FerryError('FERRY_E_SMP_STORE_REJECTED', `The uploaded files are not an intact migration store: ${(err as Error).message}`, {
      cause: err,
      details: { reason: isFerryError(err) ? err.code : 'unknown' },
    });
  } finally {
    await reader?.close();
  }
}

/** The one file an SMP store holds: the compressed store's container. */
export const SMP_STORE_FILE = 'USMT/USMT.MIG';

/** Refuse a manifest that declares anything but the store container (checked before any upload). */
export function checkSmpStoreManifest(paths: readonly string[]): void {
  const extra = paths.filter((p) => p.toLowerCase() !== SMP_STORE_FILE.toLowerCase());
  if (extra.length || paths.length !== 1) {
    throw new FerryError(
      'FERRY_E_SMP_STORE_REJECTED',
      `A State Migration Point store holds exactly ${SMP_STORE_FILE} (an encrypted, compressed ` +
        `Ferry store); this upload ` +
        `declares ${extra.length ? `other files (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''})` : 'no store file'}.`,
      {
        details: { reason: 'files', extra: extra.slice(0, 20) },
      },
    );
  }
}
