// The SMP's check of an uploaded store against the store's own authentication: the catalog and
// every file must open and authenticate with the store's data key (src/store's verify), so a
// capture is released for restore only if LoadState will be able to read it.
import { FerryError, isFerryError } from '../errors/index.ts';
import { openStore } from '../store/index.ts';

export async function verifyUploadedStore(dir: string, dataKey: Buffer): Promise<void> {
  let reader: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    // The task sequence hands ScanState the key as `/key:<base64>`, so that text is the store key.
    reader = await openStore(dir, { key: dataKey.toString('base64') });
    const report = await reader.verify('failureonly');
    if (!report.catalogOk || report.corrupted) {
      const first = report.catalogError ?? report.results[0];
      throw new FerryError('FERRY_E_SMP_STORE_REJECTED', `The uploaded store failed its integrity check (${report.catalogOk ? `${report.corrupted} of ${report.files} files corrupted` : 'catalog'}${first && 'message' in first ? `: ${first.message}` : ''}); capture and upload it again.`, {
        details: { files: report.files, corrupted: report.corrupted, catalogOk: report.catalogOk },
      });
    }
  } catch (err) {
    if (isFerryError(err, 'FERRY_E_SMP_STORE_REJECTED')) throw err;
    throw new FerryError('FERRY_E_SMP_STORE_REJECTED', `The uploaded files are not an intact migration store: ${(err as Error).message}`, { cause: err, details: { reason: isFerryError(err) ? err.code : 'unknown' } });
  } finally {
    await reader?.close();
  }
}
