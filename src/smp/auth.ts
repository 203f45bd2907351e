// Who may do what on the SMP: bearer secrets resolved to principals, and the registration of
// computers (enrollment tokens, renewal, the all-in-one site's own agents, revocation).
import { randomUUID } from 'node:crypto';
import { FerryError } from '../errors/index.ts';
import { checkComputerName, requireAdmin, type SmpContext, unknownComputer } from './context.ts';
import type { SmpRepository } from './repository.ts';
import { computerIdOf, hashSecret, newSecret, SECRET_PREFIX, secretMatches } from './secrets.ts';
import type { Principal, Registration, RegistrationProof, SmpComputer } from './types.ts';

const DEFAULT_TTL = 90 * 24 * 3600;
const DEFAULT_RENEWAL_GRACE = 7 * 24 * 3600;
const iso = (d: Date): string => d.toISOString();

export interface SmpAuthOptions {
  /** SHA-256 (hex) of the admin token. */
  readonly adminTokenHash: string;
  readonly credentialTtlSeconds?: number;
  /** How long after expiry a credential still proves its computer for renewal. Default 7 days. */
  readonly credentialRenewalGraceSeconds?: number;
}

/** Authentication and registration. */
export class SmpAuth {
  readonly #ctx: SmpContext;
  readonly #adminTokenHash: string;
  readonly #ttl: number;
  readonly #renewalGrace: number;

  constructor(ctx: SmpContext, o: SmpAuthOptions) {
    this.#ctx = ctx;
    this.#adminTokenHash = o.adminTokenHash;
    this.#ttl = o.credentialTtlSeconds ?? DEFAULT_TTL;
    this.#renewalGrace = o.credentialRenewalGraceSeconds ?? DEFAULT_RENEWAL_GRACE;
  }

  /** Resolve a bearer secret (and, for the NAA, the computer it acts for) to a principal. */
  async authenticate(secret: string | undefined, naaComputerName: string | undefined): Promise<Principal> {
    if (!secret)
      throw new FerryError('FERRY_E_SMP_UNAUTHORIZED', 'This route needs a credential: send `Authorization: Bearer <credential>`.');
    if (secret.startsWith(SECRET_PREFIX.admin)) {
      if (secretMatches(secret, this.#adminTokenHash)) return { kind: 'admin' };
    } else if (secret.startsWith(SECRET_PREFIX.naa)) {
      const hash = await this.#ctx.repo.getSetting('naa_hash');
      if (!hash)
        throw new FerryError(
          'FERRY_E_SMP_NAA_NOT_ALLOWED',
          'No Network Access Account is configured on this SMP; configure one (`ferry smp naa set`) or use the computer credential.',
        );
      if (secretMatches(secret, hash)) {
        if (!naaComputerName)
          throw new FerryError(
            'FERRY_E_INVALID_ARGUMENT',
            'A Network Access Account request must name its computer in the x-ferry-computer header.',
          );
        const computer = await this.#ctx.repo.findComputerByName(naaComputerName);
        if (!computer) throw unknownComputer(naaComputerName);
        // The NAA is a fallback for a computer whose own credential fails, not a way around revocation.
        if (computer.credentialRevokedAt !== null) {
          throw new FerryError(
            'FERRY_E_SMP_FORBIDDEN',
            `Computer ${computer.name} was revoked; the Network Access Account cannot act ` +
              `for it. Re-register it with an enrollment token bound to it.`,
            { details: { computer: computer.name } },
          );
        }
        return { kind: 'naa', computer };
      }
    } else {
      const id = computerIdOf(secret);
      const computer = id === undefined ? undefined : await this.#ctx.repo.getComputer(id);
      if (computer && secretMatches(secret, computer.credentialHash)) {
        if (computer.credentialExpiresAt && computer.credentialExpiresAt <= this.#ctx.nowIso()) {
          throw new FerryError(
            'FERRY_E_SMP_CREDENTIAL_EXPIRED',
            `The credential of computer ${computer.name} expired at ${computer.credentialExpiresAt}; register it again.`,
            { details: { computer: computer.name } },
          );
        }
        return { kind: 'computer', computer };
      }
    }
    throw new FerryError('FERRY_E_SMP_UNAUTHORIZED', 'The credential is not valid here; register the computer again or check the token.');
  }

  /**
   * `POST /register`: this computer's own credential, against an enrollment token or (to renew)
   * its current credential. A computer that already holds a credential, or had one revoked, is
   * re-registered only with proof that it is that computer: its current credential (still valid,
   * or expired within the renewal grace) or an enrollment token the administrator bound to its
   * name. An unbound token registers only new computers (and imported ones never registered).
   */
  async register(computerName: string, proof: RegistrationProof, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    const name = checkComputerName(computerName);
    if (!proof.enrollmentToken && !proof.currentCredential) {
      throw new FerryError(
        'FERRY_E_INVALID_ARGUMENT',
        'Registration needs an enrollment token (new computer) or the current credential (renewal).',
      );
    }
    const now = this.#ctx.now();
    return this.#ctx.repo.transaction(async (repo) => {
      let computer = await repo.findComputerByName(name);
      if (!(computer && proof.currentCredential && this.#renewable(computer, proof.currentCredential, now))) {
        if (!proof.enrollmentToken) {
          throw new FerryError(
            'FERRY_E_SMP_UNAUTHORIZED',
            `The credential cannot renew ${name} (not its current one, revoked, or expired too long ago); register it ` +
              `with an enrollment token bound to it (\`ferry smp enrollment create --computer ${name}\`).`,
            {
              details: { computer: name },
            },
          );
        }
        const token = await repo.consumeEnrollmentToken(hashSecret(proof.enrollmentToken), iso(now));
        if (!token) {
          throw new FerryError(
            'FERRY_E_SMP_ENROLLMENT_REFUSED',
            'The enrollment token is unknown, expired or used up; ask the administrator for a new one.',
          );
        }
        if (token.computerNameKey && token.computerNameKey !== name.toLowerCase()) {
          throw new FerryError(
            'FERRY_E_SMP_ENROLLMENT_REFUSED',
            `This enrollment token is bound to another computer and cannot register ${name}.`,
            { details: { computer: name } },
          );
        }
        // Only a token bound to this name takes over an identity that was ever registered.
        if (computer && (computer.credentialHash !== null || computer.credentialRevokedAt !== null) && !token.computerNameKey) {
          throw new FerryError(
            'FERRY_E_SMP_COMPUTER_REGISTERED',
            `Computer ${computer.name} is already registered. Renew with its current credential, or ask the administrator ` +
              `for an enrollment token bound to it (\`ferry smp enrollment create --computer ${computer.name}\`).`,
            { details: { computer: computer.name } },
          );
        }
      }
      if (!computer) {
        computer = {
          id: randomUUID(),
          name,
          credentialHash: null,
          credentialExpiresAt: null,
          credentialRevokedAt: null,
          createdAt: iso(now),
          owner: null,
        };
        await repo.insertComputer(computer);
      }
      // A renewal keeps the holder; a token (plain or the administrator's bound one) hands the
      // identity to whoever registered here, so the site no longer owns it.
      const renewal = proof.currentCredential !== undefined && this.#renewable(computer, proof.currentCredential, now);
      return this.#issue(repo, computer, now, options.ttlSeconds, renewal ? undefined : null);
    });
  }

  /**
   * The all-in-one site's registration of its own agent `owner` (`site:<site computer id>`): no
   * token is minted. The identity is issued when it is new, imported and never registered, or
   * already held by `owner`; never when the SMP issued it to anyone else (a computer registered
   * on the SMP itself, or one the site deleted and someone registered again under its name).
   */
  async registerOwned(computerName: string, owner: string, options: { readonly ttlSeconds?: number } = {}): Promise<Registration> {
    const name = checkComputerName(computerName);
    const now = this.#ctx.now();
    return this.#ctx.repo.transaction(async (repo) => {
      let computer = await repo.findComputerByName(name);
      if (!computer) {
        computer = {
          id: randomUUID(),
          name,
          credentialHash: null,
          credentialExpiresAt: null,
          credentialRevokedAt: null,
          createdAt: iso(now),
          owner,
        };
        await repo.insertComputer(computer);
      } else if (
        computer.owner !== owner &&
        (computer.owner !== null || computer.credentialHash !== null || computer.credentialRevokedAt !== null)
      ) {
        throw new FerryError(
          'FERRY_E_SMP_IDENTITY_NOT_OWNED',
          `The State Migration Point identity of ${computer.name} was issued to ` +
            `another holder; an administrator resets the computer to hand it on.`,
          { details: { computer: computer.name } },
        );
      }
      return this.#issue(repo, computer, now, options.ttlSeconds, owner);
    });
  }

  /** One credential per computer: the new one replaces (revokes) the previous. */
  async #issue(
    repo: SmpRepository,
    computer: SmpComputer,
    now: Date,
    ttlSeconds: number | undefined,
    owner: string | null | undefined,
  ): Promise<Registration> {
    const credential = newSecret('computer', computer.id);
    const expiresAt = iso(new Date(now.getTime() + Math.min(ttlSeconds ?? this.#ttl, this.#ttl) * 1000));
    await repo.setComputerCredential(computer.id, hashSecret(credential), expiresAt, owner);
    return { computerId: computer.id, credential, expiresAt };
  }

  /** The computer's own credential, not revoked, unexpired or expired within the renewal grace. */
  #renewable(computer: SmpComputer, credential: string, now: Date): boolean {
    if (computerIdOf(credential) !== computer.id || !secretMatches(credential, computer.credentialHash) || !computer.credentialExpiresAt)
      return false;
    return new Date(computer.credentialExpiresAt).getTime() + this.#renewalGrace * 1000 > now.getTime();
  }

  /**
   * Revoke a computer's credential at once (the site revoked or deleted the computer). From then
   * on only an enrollment token bound to it registers it again. False when the SMP does not know it.
   */
  async revokeComputer(p: Principal, name: string): Promise<boolean> {
    requireAdmin(p);
    const computer = await this.#ctx.repo.findComputerByName(name);
    if (!computer) return false;
    await this.#ctx.repo.revokeComputerCredential(computer.id, this.#ctx.nowIso());
    return true;
  }
}
