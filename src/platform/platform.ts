// What only a running Windows can do. Ferry works on offline volumes; these operations have no
// offline equivalent on Linux, so the Linux platform refuses them with a coded error that says
// what to use instead. Local accounts are the exception: they are recorded in an offline
// account plan (account-plan.ts) for Windows to apply on first boot.
import { FerryError } from '../errors/index.ts';
import type { Hive } from '../registry/index.ts';

/** A readable shadow copy of a volume, held until released. */
export interface Snapshot {
  /** Host path where the snapshot of the volume is readable. */
  readonly path: string;
  release(): Promise<void>;
}

/** A local account LoadState `/lac` creates on the target (disabled unless `/lae`). */
export interface LocalAccountRequest {
  readonly userName: string;
  /** Empty string: no password (`/lac` without a value). */
  readonly password: string;
  readonly enabled: boolean;
  readonly fullName?: string;
}

/** The registry hives of a running Windows that `Platform` can open. */
export type LiveHiveName = 'HKLM\\SOFTWARE' | 'HKLM\\SYSTEM' | 'HKLM\\SAM' | 'HKCU' | 'HKU';

/**
 * What only a running Windows can do (shadow copies, live hives, local accounts); the Linux
 * implementation refuses with a coded error that says what to use offline instead.
 */
export interface Platform {
  readonly name: string;
  /** A Volume Shadow Copy of a live volume (ScanState `/vsc`). */
  createSnapshot(volume: string): Promise<Snapshot>;
  /** Create a local account on the running system (LoadState `/lac`, `/lae`). */
  createLocalAccount(request: LocalAccountRequest): Promise<void>;
  /** The running system's registry (online ScanState/LoadState). */
  openLiveRegistry(hive: LiveHiveName): Promise<Hive>;
  /** Export an EFS-encrypted file in its raw encrypted form (ScanState `/efs:copyraw`). */
  readEncryptedRaw(path: string): Promise<Buffer>;
}

function unsupported(what: string, instead: string): FerryError {
  return new FerryError(
    'FERRY_E_NOT_SUPPORTED_ON_PLATFORM',
    `${what} needs Windows and Ferry is running on ${process.platform}. ${instead}`,
    { details: { platform: process.platform, operation: what } },
  );
}

/** Linux (and any non-Windows host): every live-Windows operation is refused with the alternative. */
export class LinuxPlatform implements Platform {
  readonly name = 'linux';

  async createSnapshot(volume: string): Promise<Snapshot> {
    throw unsupported(
      `A Volume Shadow Copy of ${volume} (/vsc)`,
      'Capture from the offline volume instead (/offlinewindir:); nothing writes to an offline volume, so no snapshot is needed.',
    );
  }

  async createLocalAccount(request: LocalAccountRequest): Promise<void> {
    throw unsupported(
      `Creating the local account ${request.userName} (/lac)`,
      'On an offline target the account is recorded in ' +
        'Windows\\Ferry\\accounts-plan.json (see src/platform/README.md) for Windows to ' +
        'create on first boot.',
    );
  }

  async openLiveRegistry(hive: LiveHiveName): Promise<Hive> {
    throw unsupported(
      `The live registry (${hive})`,
      'Read the hive files of the offline volume instead (Windows\\System32\\config\\*, Users\\<name>\\NTUSER.DAT).',
    );
  }

  async readEncryptedRaw(path: string): Promise<Buffer> {
    throw unsupported(
      `Reading the EFS-encrypted file ${path} in raw form (/efs:copyraw)`,
      'Decrypt the files on Windows before capture, or leave them out with /efs:skip.',
    );
  }
}

/** The platform Ferry runs on. Ferry ships no live-Windows implementation, so this is the refusing one everywhere. */
export function currentPlatform(): Platform {
  return new LinuxPlatform();
}
