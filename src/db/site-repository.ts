// Site objects over the database: task sequences (versioned, optimistic concurrency), packages,
// computers, collections (direct members + name rule), variables, deployments, runs and
// status messages. Route handlers (src/server/site) stay thin; the rules this applies are the
// site domain's (src/site), and this is where they meet the tables.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { FerryError } from '../errors/index.ts';
import { hashSecret, randomSecret, secretMatches } from '../secrets/index.ts';
import {
  checkName,
  checkVariables,
  isDue,
  keepHidden,
  maskVars,
  notFound,
  SecretBox,
  wildcard,
  categoryOf,
  DEPLOYMENT_CATEGORIES,
  stateAfter,
  statusText,
  STATUS_MESSAGES,
  type DeploymentCategory,
  type Assignment,
  type CollectionRule,
  type Purpose,
  type Rerun,
  type StatusInput,
  type Variable,
  hasClearPasswords,
  maskPasswords,
  openPasswords,
  sealPasswords,
  countSteps,
  validateDocument,
  type TsProblem,
} from '../site/index.ts';
import { nextId, type SiteDb } from './site-schema.ts';
import { replaceReport, reportsOfRun } from './site-reports.ts';
import type { MigrationReport } from '../report/index.ts';
import { validateSequence, type TaskSequence } from '../tasksequence/index.ts';

const now = () => new Date().toISOString();
const RESET_TTL_MS = 24 * 3600 * 1000;
const enrollmentRefused = () =>
  new FerryError(
    'FERRY_E_AGENT_ENROLLMENT_REFUSED',
    'The enrollment token is wrong; use the token from the site data directory ' +
      '(enroll-token), or the reset token an administrator issued for this computer.',
  );
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === '23505' || /UNIQUE constraint/.test(e?.message ?? '');
}

async function uniqueName<T>(kind: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err))
      throw new FerryError('FERRY_E_SITE_DUPLICATE_NAME', `A ${kind} named "${name}" already exists; choose another name.`, {
        details: { kind, name },
      });
    throw err;
  }
}

/** A computer's row as it registers (or is re-admitted): active, seen now, no variables, no reset pending. */
function newComputerRow(id: string, name: string, credential: string) {
  return {
    id,
    name,
    credential_hash: hashSecret(credential),
    revoked: 0,
    registered_at: now(),
    last_seen: now(),
    variables: '[]',
    reset_token_hash: null,
    reset_expires_at: null,
  };
}

export class SiteRepository {
  readonly db: SiteDb;
  readonly #box: SecretBox;
  constructor(db: SiteDb, box: SecretBox) {
    this.db = db;
    this.#box = box;
  }

  /** Hidden values sealed at rest (write-only: the API never returns them). */
  #seal(vars: Variable[]): Variable[] {
    return vars.map((v) => (v.hidden ? { ...v, value: this.#box.seal(v.value, v.name.toLowerCase()) } : v));
  }

  /** Seal hidden values stored in clear before sealing existed (once per start; cheap when none). */
  async sealStoredSecrets(): Promise<void> {
    const needs = (json: string) =>
      (JSON.parse(json) as Variable[]).some((v) => v.hidden && v.value !== '' && !SecretBox.isSealed(v.value));
    for (const c of await this.db.selectFrom('computers').select(['id', 'variables']).execute()) {
      if (needs(c.variables))
        await this.db
          .updateTable('computers')
          .set({ variables: JSON.stringify(this.#seal(JSON.parse(c.variables) as Variable[])) })
          .where('id', '=', c.id)
          .execute();
    }
    for (const c of await this.db.selectFrom('collections').select(['id', 'variables']).execute()) {
      if (needs(c.variables))
        await this.db
          .updateTable('collections')
          .set({ variables: JSON.stringify(this.#seal(JSON.parse(c.variables) as Variable[])) })
          .where('id', '=', c.id)
          .execute();
    }
    // Password properties of task sequence steps, in the current body and every saved version.
    for (const t of await this.db.selectFrom('task_sequences').select(['id', 'body']).execute()) {
      const doc = JSON.parse(t.body) as TaskSequence;
      if (hasClearPasswords(doc))
        await this.db
          .updateTable('task_sequences')
          .set({ body: JSON.stringify(sealPasswords(this.#box, doc)) })
          .where('id', '=', t.id)
          .execute();
    }
    for (const v of await this.db.selectFrom('task_sequence_versions').select(['ts_id', 'version', 'body']).execute()) {
      const doc = JSON.parse(v.body) as TaskSequence;
      if (hasClearPasswords(doc))
        await this.db
          .updateTable('task_sequence_versions')
          .set({ body: JSON.stringify(sealPasswords(this.#box, doc)) })
          .where('ts_id', '=', v.ts_id)
          .where('version', '=', v.version)
          .execute();
    }
  }

  // ── packages ──────────────────────────────────────────────────────────────────────────
  async ensureDefaultPackage(): Promise<void> {
    const any = await this.db.selectFrom('packages').select('id').executeTakeFirst();
    if (!any)
      await this.createPackage({
        name: 'User State Migration Tool for Windows',
        description: 'Ferry ScanState/LoadState engine',
        kind: 'usmt',
        source: 'builtin:ferry-usmt',
      });
  }

  async listPackages() {
    return this.db.selectFrom('packages').selectAll().orderBy('id').execute();
  }

  async createPackage(p: { name: string; description: string; kind: string; source: string }) {
    const name = checkName('package', p.name, 100);
    const id = await nextId(this.db, 'package', 'FRY', 1);
    await uniqueName('package', name, () =>
      this.db
        .insertInto('packages')
        .values({ id, name, description: p.description, kind: p.kind, source: p.source, created_at: now() })
        .execute(),
    );
    return id;
  }

  async setPackageSource(id: string, source: string) {
    await this.db.updateTable('packages').set({ source }).where('id', '=', id).execute();
  }

  async deletePackage(id: string) {
    const r = await this.db.deleteFrom('packages').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) notFound('Package', id);
  }

  async packageIds(): Promise<Set<string>> {
    return new Set((await this.db.selectFrom('packages').select('id').execute()).map((r) => r.id));
  }

  // ── task sequences ────────────────────────────────────────────────────────────────────
  async listTaskSequences() {
    const rows = await this.db
      .selectFrom('task_sequences')
      .select(['id', 'name', 'description', 'version', 'updated_at', 'body'])
      .orderBy('name')
      .execute();
    const deployments = await this.db.selectFrom('deployments').select(['ts_id']).execute();
    const packages = await this.packageIds();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      version: r.version,
      updatedAt: r.updated_at,
      deployments: deployments.filter((d) => d.ts_id === r.id).length,
      steps: countSteps((JSON.parse(r.body) as TaskSequence).children),
      /** Editor errors (e.g. a missing package): such a sequence cannot be deployed. */
      errors: validateDocument(JSON.parse(r.body) as TaskSequence, packages).filter((p) => p.severity === 'error').length,
    }));
  }

  /** The stored document: password properties sealed (never for an API response as it is). */
  async #storedDocument(id: string): Promise<TaskSequence> {
    const r = await this.db.selectFrom('task_sequences').select('body').where('id', '=', id).executeTakeFirst();
    if (!r) notFound('Task sequence', id);
    return JSON.parse(r.body) as TaskSequence;
  }

  /** The sequence for the agent that runs it: password properties in clear, and their values to mask. */
  async runTaskSequence(id: string) {
    const ts = await this.getTaskSequence(id);
    return { ...ts, ...openPasswords(this.#box, await this.#storedDocument(id)) };
  }

  async getTaskSequence(id: string) {
    const r = await this.db.selectFrom('task_sequences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) notFound('Task sequence', id);
    const document = maskPasswords(JSON.parse(r.body) as TaskSequence);
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      version: r.version,
      updatedAt: r.updated_at,
      document,
      problems: await this.problems(document),
    };
  }

  /**
   * The editor's property checks plus the task sequence module's own validation (the same
   * rules `ferry ts validate` and the engine apply); an engine issue on an item the editor
   * already flags with the same severity is not repeated.
   */
  async problems(document: TaskSequence, purpose: 'save' | 'run' = 'save'): Promise<TsProblem[]> {
    const mine = validateDocument(document, await this.packageIds());
    const engine = validateSequence(document, { purpose }).map(
      (i): TsProblem => ({
        path: (i.path ?? '')
          .split('.')
          .filter((x) => x !== '')
          .map(Number),
        severity: i.severity,
        message: `${i.code}: ${i.message}`,
      }),
    );
    const seen = new Set(mine.map((p) => `${p.path.join('.')}|${p.severity}`));
    return [...mine, ...engine.filter((p) => !seen.has(`${p.path.join('.')}|${p.severity}`))];
  }

  /** Errors refuse the save; warnings are returned with the saved object. */
  async #checkDocument(document: TaskSequence): Promise<TsProblem[]> {
    const problems = await this.problems(document);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length)
      throw new FerryError(
        'FERRY_E_SITE_INVALID',
        `The task sequence has ${errors.length} error(s): ${errors[0]!.message}${errors.length > 1 ? ' …' : ''}`,
        { details: { problems: errors } },
      );
    return problems;
  }

  async createTaskSequence(t: { name: string; description: string; document: TaskSequence }) {
    const name = checkName('task sequence', t.name, 100);
    if (t.description.length > 512)
      throw new FerryError('FERRY_E_SITE_INVALID', 'The description can be at most 512 characters.', { details: { field: 'description' } });
    await this.#checkDocument(t.document);
    const id = await nextId(this.db, 'package', 'FRY', 1);
    const at = now();
    const body = JSON.stringify(sealPasswords(this.#box, t.document));
    await uniqueName('task sequence', name, () =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('task_sequences')
          .values({ id, name, description: t.description, version: 1, body, created_at: at, updated_at: at })
          .execute();
        await trx
          .insertInto('task_sequence_versions')
          .values({ ts_id: id, version: 1, name, description: t.description, body, saved_at: at })
          .execute();
      }),
    );
    return this.getTaskSequence(id);
  }

  /** Save a new version if `expectedVersion` is still current; otherwise 409, nothing lost. */
  async saveTaskSequence(id: string, expectedVersion: number, t: { name: string; description: string; document: TaskSequence }) {
    const name = checkName('task sequence', t.name, 100);
    if (t.description.length > 512)
      throw new FerryError('FERRY_E_SITE_INVALID', 'The description can be at most 512 characters.', { details: { field: 'description' } });
    await this.#checkDocument(t.document);
    const at = now();
    // An emptied password marked as set keeps the stored one; a new value replaces it.
    const body = JSON.stringify(sealPasswords(this.#box, t.document, await this.#storedDocument(id)));
    await uniqueName('task sequence', name, () =>
      this.db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('task_sequences')
          .set({ name, description: t.description, body, version: expectedVersion + 1, updated_at: at })
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (!r.numUpdatedRows) {
          const cur = await trx.selectFrom('task_sequences').select('version').where('id', '=', id).executeTakeFirst();
          if (!cur) notFound('Task sequence', id);
          throw new FerryError(
            'FERRY_E_SITE_CONFLICT',
            `Task sequence ${id} was saved by someone else (now version ${cur.version}, you ` +
              `edited version ${expectedVersion}). Reload it and apply your changes again.`,
            { details: { id, currentVersion: cur.version, yourVersion: expectedVersion } },
          );
        }
        await trx
          .insertInto('task_sequence_versions')
          .values({ ts_id: id, version: expectedVersion + 1, name, description: t.description, body, saved_at: at })
          .execute();
      }),
    );
    return this.getTaskSequence(id);
  }

  async copyTaskSequence(id: string, name?: string) {
    const src = await this.getTaskSequence(id);
    let candidate = name ?? `${src.name} - Copy`;
    if (!name)
      for (let i = 2; await this.db.selectFrom('task_sequences').select('id').where('name', '=', candidate).executeTakeFirst(); i++)
        candidate = `${src.name} - Copy (${i})`;
    // The stored document: its sealed passwords go with the copy (sealing keeps a sealed value).
    return this.createTaskSequence({ name: candidate, description: src.description, document: await this.#storedDocument(id) });
  }

  async deleteTaskSequence(id: string) {
    const deps = await this.db.selectFrom('deployments').select('id').where('ts_id', '=', id).execute();
    if (deps.length)
      throw new FerryError(
        'FERRY_E_SITE_IN_USE',
        `Task sequence ${id} is deployed (${deps.map((d) => d.id).join(', ')}); delete those deployments first.`,
        { details: { deployments: deps.map((d) => d.id) } },
      );
    const r = await this.db.deleteFrom('task_sequences').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) notFound('Task sequence', id);
    await this.db.deleteFrom('task_sequence_versions').where('ts_id', '=', id).execute();
  }

  async listVersions(id: string) {
    await this.getTaskSequence(id);
    return this.db
      .selectFrom('task_sequence_versions')
      .select(['version', 'name', 'saved_at'])
      .where('ts_id', '=', id)
      .orderBy('version', 'desc')
      .execute();
  }

  async getVersion(id: string, version: number) {
    const r = await this.db
      .selectFrom('task_sequence_versions')
      .selectAll()
      .where('ts_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!r) notFound('Task sequence version', `${id} v${version}`);
    return {
      id,
      version: r.version,
      name: r.name,
      description: r.description,
      savedAt: r.saved_at,
      document: maskPasswords(JSON.parse(r.body) as TaskSequence),
    };
  }

  // ── computers ─────────────────────────────────────────────────────────────────────────
  /**
   * Register an agent; returns its new credential, shown only once. The site's shared enrollment
   * token registers new computers only: a name already registered (in any case — Windows names,
   * and the SMP's, ignore case) is re-registered only with the one-time token of an
   * administrator's reset, so that holding the shared token is not enough to take it over.
   */
  async registerComputer(name: string, enrollToken: string, sharedTokenMatches: boolean): Promise<{ id: string; credential: string }> {
    const n = checkName('computer', name, 63);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n))
      throw new FerryError('FERRY_E_SITE_INVALID', 'A computer name holds letters, digits, ".", "_" and "-".', {
        details: { field: 'name' },
      });
    const credential = randomSecret();
    const existing = await this.db
      .selectFrom('computers')
      .select(['id', 'name', 'reset_token_hash', 'reset_expires_at'])
      .where(sql<string>`lower(name)`, '=', n.toLowerCase())
      .executeTakeFirst();
    if (existing) {
      const reset =
        existing.reset_token_hash !== null &&
        existing.reset_expires_at !== null &&
        existing.reset_expires_at > now() &&
        secretMatches(enrollToken, existing.reset_token_hash);
      if (!reset) {
        if (!sharedTokenMatches) throw enrollmentRefused();
        throw new FerryError(
          'FERRY_E_AGENT_ALREADY_REGISTERED',
          `Computer ${existing.name} is already registered. To re-register it (reimaged, or revoked), an administrator resets ` +
            `it (POST /api/computers/${existing.id}/reset) and the agent starts with --enroll <the reset token>.`,
          { details: { computer: existing.name, computerId: existing.id } },
        );
      }
      // The reset token is spent by the compare-and-clear, so two agents cannot both use it.
      const r = await this.db
        .updateTable('computers')
        .set({ credential_hash: hashSecret(credential), revoked: 0, last_seen: now(), reset_token_hash: null, reset_expires_at: null })
        .where('id', '=', existing.id)
        .where('reset_token_hash', '=', existing.reset_token_hash)
        .executeTakeFirst();
      if (!Number(r.numUpdatedRows)) throw enrollmentRefused();
      return { id: existing.id, credential };
    }
    const retired = await this.db.selectFrom('retired_computers').selectAll().where('name_key', '=', n.toLowerCase()).executeTakeFirst();
    if (retired) return this.#readmit(retired, enrollToken, sharedTokenMatches, credential);
    if (!sharedTokenMatches) throw enrollmentRefused();
    const id = `GUID:${randomUUID().toUpperCase()}`;
    await uniqueName('computer', n, () =>
      this.db
        .insertInto('computers')
        .values(newComputerRow(id, n, credential))
        .execute(),
    );
    return { id, credential };
  }

  /**
   * A deleted computer's name comes back only with the reset token of its retired record; it
   * comes back under its old id, so the State Migration Point identity the site owned for it
   * (src/server/site/smp-bridge.ts) is handed back to it and to no one else.
   */
  async #readmit(
    retired: { id: string; name: string; reset_token_hash: string | null; reset_expires_at: string | null },
    enrollToken: string,
    sharedTokenMatches: boolean,
    credential: string,
  ): Promise<{ id: string; credential: string }> {
    const reset =
      retired.reset_token_hash !== null &&
      retired.reset_expires_at !== null &&
      retired.reset_expires_at > now() &&
      secretMatches(enrollToken, retired.reset_token_hash);
    if (!reset) {
      if (!sharedTokenMatches) throw enrollmentRefused();
      throw new FerryError(
        'FERRY_E_AGENT_NAME_RETIRED',
        `Computer ${retired.name} was deleted by an administrator; its name stays unusable until they reset it ` +
          `(POST /api/computers/${retired.id}/reset) and the agent starts with --enroll <the reset token>.`,
        {
          details: { computer: retired.name, computerId: retired.id },
        },
      );
    }
    await this.db.transaction().execute(async (trx) => {
      // Compare-and-delete spends the reset token, so two agents cannot both use it.
      const r = await trx
        .deleteFrom('retired_computers')
        .where('id', '=', retired.id)
        .where('reset_token_hash', '=', retired.reset_token_hash)
        .executeTakeFirst();
      if (!Number(r.numDeletedRows)) throw enrollmentRefused();
      await trx
        .insertInto('computers')
        .values(newComputerRow(retired.id, retired.name, credential))
        .execute();
    });
    return { id: retired.id, credential };
  }

  /**
   * An administrator's reset: a one-time token (valid a day) with which the computer's agent re-registers; for a deleted computer, it
   * re-admits its name.
   */
  async resetComputer(id: string): Promise<{ computerId: string; name: string; enrollToken: string; expiresAt: string }> {
    const enrollToken = randomSecret();
    const expiresAt = new Date(Date.now() + RESET_TTL_MS).toISOString();
    const set = { reset_token_hash: hashSecret(enrollToken), reset_expires_at: expiresAt };
    const retired = await this.db.selectFrom('retired_computers').select('name').where('id', '=', id).executeTakeFirst();
    if (retired) {
      await this.db.updateTable('retired_computers').set(set).where('id', '=', id).execute();
      return { computerId: id, name: retired.name, enrollToken, expiresAt };
    }
    const { name } = await this.getComputer(id);
    await this.db.updateTable('computers').set(set).where('id', '=', id).execute();
    return { computerId: id, name, enrollToken, expiresAt };
  }

  /** Deleted computers whose names wait for an administrator's reset. */
  async listRetiredComputers() {
    const rows = await this.db.selectFrom('retired_computers').select(['id', 'name', 'deleted_at']).orderBy('name_key').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, deletedAt: r.deleted_at }));
  }

  async authenticateAgent(credential: string): Promise<{ id: string; name: string }> {
    const r = await this.db
      .selectFrom('computers')
      .select(['id', 'name', 'credential_hash', 'revoked'])
      .where('credential_hash', '=', hashSecret(credential))
      .executeTakeFirst();
    if (!r || r.revoked || !secretMatches(credential, r.credential_hash))
      throw new FerryError(
        'FERRY_E_AGENT_REVOKED',
        'This agent credential is not valid (revoked or unknown); an administrator resets the computer (POST ' +
          '/api/computers/{id}/reset) and the agent re-registers with --enroll <the reset token>.',
      );
    await this.db.updateTable('computers').set({ last_seen: now() }).where('id', '=', r.id).execute();
    return { id: r.id, name: r.name };
  }

  async listComputers() {
    const rows = await this.db
      .selectFrom('computers')
      .select(['id', 'name', 'revoked', 'registered_at', 'last_seen', 'variables'])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      revoked: !!r.revoked,
      registeredAt: r.registered_at,
      lastSeen: r.last_seen,
      variables: maskVars(JSON.parse(r.variables) as Variable[]),
    }));
  }

  async getComputer(id: string) {
    const c = (await this.listComputers()).find((x) => x.id === id);
    if (!c) notFound('Computer', id);
    return c;
  }

  async setComputerRevoked(id: string, revoked: boolean) {
    const r = await this.db
      .updateTable('computers')
      .set({ revoked: revoked ? 1 : 0 })
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r.numUpdatedRows) notFound('Computer', id);
  }

  async setComputerVariables(id: string, vars: Variable[]) {
    const r = await this.db
      .updateTable('computers')
      .set({ variables: JSON.stringify(this.#seal(keepHidden(checkVariables(vars), await this.#rawComputerVars(id)))) })
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r.numUpdatedRows) notFound('Computer', id);
  }

  async #rawComputerVars(id: string): Promise<Variable[]> {
    const r = await this.db.selectFrom('computers').select('variables').where('id', '=', id).executeTakeFirst();
    return r ? (JSON.parse(r.variables) as Variable[]) : [];
  }

  /** Delete a computer; its name is retired (kept unusable) until an administrator resets it. */
  async deleteComputer(id: string) {
    await this.db.transaction().execute(async (trx) => {
      const c = await trx.selectFrom('computers').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
      if (!c) notFound('Computer', id);
      await trx.deleteFrom('computers').where('id', '=', id).execute();
      await trx.deleteFrom('collection_members').where('computer_id', '=', id).execute();
      await trx.deleteFrom('retired_computers').where('name_key', '=', c.name.toLowerCase()).execute();
      await trx
        .insertInto('retired_computers')
        .values({
          id: c.id,
          name: c.name,
          name_key: c.name.toLowerCase(),
          deleted_at: now(),
          reset_token_hash: null,
          reset_expires_at: null,
        })
        .execute();
    });
  }

  // ── collections ───────────────────────────────────────────────────────────────────────
  async ensureAllSystems(): Promise<void> {
    const any = await this.db.selectFrom('collections').select('id').executeTakeFirst();
    if (!any)
      await this.createCollection({
        name: 'All Systems',
        description: 'Every registered computer',
        rule: { namePattern: '*' },
        members: [],
        variables: [],
      });
  }

  async #members(collectionId: string, rule: CollectionRule): Promise<string[]> {
    const direct = (
      await this.db.selectFrom('collection_members').select('computer_id').where('collection_id', '=', collectionId).execute()
    ).map((r) => r.computer_id);
    const computers = await this.db.selectFrom('computers').select(['id', 'name']).execute();
    const re = rule.namePattern ? wildcard(rule.namePattern) : undefined;
    return computers.filter((c) => direct.includes(c.id) || (re && re.test(c.name))).map((c) => c.id);
  }

  async listCollections() {
    const rows = await this.db.selectFrom('collections').selectAll().orderBy('name').execute();
    return Promise.all(
      rows.map(async (r) => {
        const rule = JSON.parse(r.rule) as CollectionRule;
        const direct = (
          await this.db.selectFrom('collection_members').select('computer_id').where('collection_id', '=', r.id).execute()
        ).map((m) => m.computer_id);
        return {
          id: r.id,
          name: r.name,
          description: r.description,
          rule,
          directMembers: direct,
          members: await this.#members(r.id, rule),
          variables: maskVars(JSON.parse(r.variables) as Variable[]),
        };
      }),
    );
  }

  async getCollection(id: string) {
    const c = (await this.listCollections()).find((x) => x.id === id);
    if (!c) notFound('Collection', id);
    return c;
  }

  async #checkMembers(members: string[]) {
    const known = new Set((await this.db.selectFrom('computers').select('id').execute()).map((r) => r.id));
    const unknown = members.filter((m) => !known.has(m));
    if (unknown.length)
      throw new FerryError('FERRY_E_SITE_INVALID', `Unknown computer(s): ${unknown.join(', ')}.`, {
        details: { field: 'members', unknown },
      });
  }

  async createCollection(c: { name: string; description: string; rule: CollectionRule; members: string[]; variables: Variable[] }) {
    const name = checkName('collection', c.name, 100);
    checkVariables(c.variables);
    await this.#checkMembers(c.members);
    const id = await nextId(this.db, 'collection', 'FRY', 10001);
    await uniqueName('collection', name, () =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('collections')
          .values({
            id,
            name,
            description: c.description,
            rule: JSON.stringify(c.rule),
            variables: JSON.stringify(this.#seal(c.variables)),
            created_at: now(),
          })
          .execute();
        for (const m of new Set(c.members))
          await trx.insertInto('collection_members').values({ collection_id: id, computer_id: m }).execute();
      }),
    );
    return this.getCollection(id);
  }

  async updateCollection(
    id: string,
    c: { name: string; description: string; rule: CollectionRule; members: string[]; variables: Variable[] },
  ) {
    const name = checkName('collection', c.name, 100);
    await this.#checkMembers(c.members);
    const old = await this.db.selectFrom('collections').select('variables').where('id', '=', id).executeTakeFirst();
    if (!old) notFound('Collection', id);
    const variables = this.#seal(keepHidden(checkVariables(c.variables), JSON.parse(old.variables) as Variable[]));
    await uniqueName('collection', name, () =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('collections')
          .set({ name, description: c.description, rule: JSON.stringify(c.rule), variables: JSON.stringify(variables) })
          .where('id', '=', id)
          .execute();
        await trx.deleteFrom('collection_members').where('collection_id', '=', id).execute();
        for (const m of new Set(c.members))
          await trx.insertInto('collection_members').values({ collection_id: id, computer_id: m }).execute();
      }),
    );
    return this.getCollection(id);
  }

  async deleteCollection(id: string) {
    const deps = await this.db.selectFrom('deployments').select('id').where('collection_id', '=', id).execute();
    if (deps.length)
      throw new FerryError(
        'FERRY_E_SITE_IN_USE',
        `Collection ${id} has deployments (${deps.map((d) => d.id).join(', ')}); delete them first.`,
        { details: { deployments: deps.map((d) => d.id) } },
      );
    const r = await this.db.deleteFrom('collections').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) notFound('Collection', id);
    await this.db.deleteFrom('collection_members').where('collection_id', '=', id).execute();
  }

  // ── deployments ───────────────────────────────────────────────────────────────────────
  async createDeployment(d: {
    taskSequenceId: string;
    collectionId: string;
    purpose: Purpose;
    availableAt?: string;
    expiresAt?: string;
    schedule: Assignment[];
    rerun: Rerun;
    comments: string;
  }) {
    const ts = await this.getTaskSequence(d.taskSequenceId);
    // Deploying is running: a step type Ferry cannot run is an error here, not a warning.
    const errors = (await this.problems(ts.document, 'run')).filter((p) => p.severity === 'error');
    if (errors.length)
      throw new FerryError('FERRY_E_SITE_INVALID', `Task sequence ${ts.id} has errors and cannot be deployed: ${errors[0]!.message}`, {
        details: { problems: errors },
      });
    await this.getCollection(d.collectionId);
    for (const t of [d.availableAt, d.expiresAt, ...d.schedule.map((a) => (a.kind === 'at' ? a.at : undefined))])
      if (t !== undefined && Number.isNaN(Date.parse(t)))
        throw new FerryError('FERRY_E_SITE_INVALID', `"${t}" is not a date and time (use ISO 8601).`, { details: { field: 'schedule' } });
    if (d.purpose === 'required' && d.schedule.length === 0)
      throw new FerryError(
        'FERRY_E_SITE_INVALID',
        'A required deployment needs an assignment schedule (for example "As soon as possible").',
        { details: { field: 'schedule' } },
      );
    const availableAt = d.availableAt ? new Date(d.availableAt).toISOString() : now();
    if (d.expiresAt && Date.parse(d.expiresAt) <= Date.parse(availableAt))
      throw new FerryError('FERRY_E_SITE_INVALID', 'The expiry time must be after the available time.', {
        details: { field: 'expiresAt' },
      });
    const id = await nextId(this.db, 'deployment', 'FRY', 20001);
    await this.db
      .insertInto('deployments')
      .values({
        id,
        ts_id: d.taskSequenceId,
        collection_id: d.collectionId,
        purpose: d.purpose,
        available_at: availableAt,
        expires_at: d.expiresAt ? new Date(d.expiresAt).toISOString() : null,
        schedule: JSON.stringify(d.schedule),
        rerun: d.rerun,
        comments: d.comments,
        created_at: now(),
      })
      .execute();
    return this.getDeployment(id);
  }

  async getDeployment(id: string) {
    const d = (await this.listDeployments()).find((x) => x.id === id);
    if (!d) notFound('Deployment', id);
    return d;
  }

  async deleteDeployment(id: string) {
    const r = await this.db.deleteFrom('deployments').where('id', '=', id).executeTakeFirst();
    if (!r.numDeletedRows) notFound('Deployment', id);
    await this.db.deleteFrom('deployment_runs').where('deployment_id', '=', id).execute();
    await this.db.deleteFrom('status_messages').where('deployment_id', '=', id).execute();
    await this.db.deleteFrom('migration_reports').where('deployment_id', '=', id).execute();
  }

  /** Deployments with Monitoring's per-category counts over the collection's members. */
  async listDeployments() {
    const rows = await this.db.selectFrom('deployments').selectAll().orderBy('id').execute();
    const tsNames = new Map((await this.db.selectFrom('task_sequences').select(['id', 'name']).execute()).map((r) => [r.id, r.name]));
    const collections = new Map((await this.listCollections()).map((c) => [c.id, c]));
    const runs = await this.db.selectFrom('deployment_runs').selectAll().execute();
    return rows.map((r) => {
      const members = collections.get(r.collection_id)?.members ?? [];
      const counts = Object.fromEntries(DEPLOYMENT_CATEGORIES.map((c) => [c, 0])) as Record<DeploymentCategory, number>;
      for (const m of members) counts[categoryOf(runs.find((x) => x.deployment_id === r.id && x.computer_id === m)?.state)]++;
      return {
        id: r.id,
        taskSequenceId: r.ts_id,
        taskSequenceName: tsNames.get(r.ts_id) ?? r.ts_id,
        collectionId: r.collection_id,
        collectionName: collections.get(r.collection_id)?.name ?? r.collection_id,
        purpose: r.purpose as Purpose,
        availableAt: r.available_at,
        expiresAt: r.expires_at,
        schedule: JSON.parse(r.schedule) as Assignment[],
        rerun: r.rerun as Rerun,
        comments: r.comments,
        createdAt: r.created_at,
        targets: members.length,
        counts,
        compliance: members.length ? Math.round((counts.Success / members.length) * 100) : 0,
      };
    });
  }

  async deploymentStatus(id: string) {
    const d = await this.getDeployment(id);
    const members = (await this.getCollection(d.collectionId)).members;
    const computers = new Map((await this.listComputers()).map((c) => [c.id, c]));
    const runs = await this.db.selectFrom('deployment_runs').selectAll().where('deployment_id', '=', id).execute();
    return {
      deployment: d,
      computers: members.map((m) => {
        const run = runs.find((r) => r.computer_id === m);
        return {
          computerId: m,
          computerName: computers.get(m)?.name ?? m,
          category: categoryOf(run?.state),
          startedAt: run?.started_at ?? null,
          finishedAt: run?.finished_at ?? null,
          exitCode: run?.exit_code ?? null,
          message: run?.message ?? '',
        };
      }),
    };
  }

  async statusMessages(deploymentId: string, computerId: string) {
    const rows = await this.db
      .selectFrom('status_messages')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .where('computer_id', '=', computerId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      messageId: r.message_id,
      severity: r.severity,
      component: r.component,
      step: r.step,
      groupName: r.group_name,
      actionName: r.action_name,
      exitCode: r.exit_code,
      actionOutput: r.action_output,
      text: r.text,
      executionTime: r.execution_time,
    }));
  }

  // ── migration reports ─────────────────────────────────────────────────────────────────
  /** Keep `report` as the run's `kind` report (the latest upload wins). */
  async saveReport(deploymentId: string, computerId: string, kind: 'capture' | 'restore', report: MigrationReport): Promise<void> {
    await replaceReport(this.db, deploymentId, computerId, kind, JSON.stringify(report));
  }

  /** The run's capture and restore reports, capture first. */
  async reports(deploymentId: string, computerId: string) {
    return (await reportsOfRun(this.db, deploymentId, computerId)).map((r) => ({
      kind: r.kind as 'capture' | 'restore',
      receivedAt: r.receivedAt,
      report: JSON.parse(r.body) as MigrationReport,
    }));
  }

  // ── agent side ────────────────────────────────────────────────────────────────────────
  /** Deployments targeting a computer, each with whether it is due to run now. */
  async policyFor(computerId: string, at = new Date()) {
    const all = await this.listDeployments();
    const collections = await this.listCollections();
    const mine = all.filter((d) => collections.find((c) => c.id === d.collectionId)?.members.includes(computerId));
    const runs = await this.db.selectFrom('deployment_runs').selectAll().where('computer_id', '=', computerId).execute();
    return mine.map((d) => {
      const run = runs.find((r) => r.deployment_id === d.id);
      return {
        id: d.id,
        taskSequenceId: d.taskSequenceId,
        taskSequenceName: d.taskSequenceName,
        purpose: d.purpose,
        availableAt: d.availableAt,
        expiresAt: d.expiresAt,
        schedule: d.schedule,
        rerun: d.rerun,
        state: run?.state ?? 'none',
        due: isDue(d, run, at),
      };
    });
  }

  /** Variables for a run: collection variables, then device variables override (spec §4.2). */
  async runVariables(deploymentId: string, computerId: string): Promise<Record<string, string>> {
    const d = await this.getDeployment(deploymentId);
    const col = await this.db.selectFrom('collections').select('variables').where('id', '=', d.collectionId).executeTakeFirst();
    const vars: Record<string, string> = {};
    const open = (v: Variable) => (v.hidden ? this.#box.open(v.value, v.name.toLowerCase()) : v.value);
    for (const v of JSON.parse(col?.variables ?? '[]') as Variable[]) vars[v.name] = open(v);
    for (const v of await this.#rawComputerVars(computerId)) vars[v.name] = open(v);
    return vars;
  }

  /** The hidden values a run of this deployment carries: masked wherever the run reports text. */
  async #hiddenValues(deploymentId: string, computerId: string): Promise<string[]> {
    const d = await this.getDeployment(deploymentId);
    const col = await this.db.selectFrom('collections').select('variables').where('id', '=', d.collectionId).executeTakeFirst();
    const all = [...(JSON.parse(col?.variables ?? '[]') as Variable[]), ...(await this.#rawComputerVars(computerId))];
    const passwords = openPasswords(this.#box, await this.#storedDocument(d.taskSequenceId)).secrets;
    return [...all.filter((v) => v.hidden && v.value !== '').map((v) => this.#box.open(v.value, v.name.toLowerCase())), ...passwords];
  }

  /** Names of the run's variables marked "do not display this value": the agent masks them in smsts.log and events. */
  async runHiddenVariableNames(deploymentId: string, computerId: string): Promise<string[]> {
    const d = await this.getDeployment(deploymentId);
    const col = await this.db.selectFrom('collections').select('variables').where('id', '=', d.collectionId).executeTakeFirst();
    const all = [...(JSON.parse(col?.variables ?? '[]') as Variable[]), ...(await this.#rawComputerVars(computerId))];
    return [...new Set(all.filter((v) => v.hidden).map((v) => v.name))];
  }

  async assertTargets(deploymentId: string, computerId: string) {
    const d = await this.getDeployment(deploymentId);
    const members = (await this.getCollection(d.collectionId)).members;
    if (!members.includes(computerId)) notFound('Deployment for this computer', deploymentId);
    return d;
  }

  async requestRun(deploymentId: string, computerId: string) {
    await this.assertTargets(deploymentId, computerId);
    await this.#upsertRun(deploymentId, computerId, { requested_at: now() });
  }

  async #upsertRun(
    deploymentId: string,
    computerId: string,
    set: Partial<{
      state: string;
      requested_at: string;
      started_at: string;
      finished_at: string | null;
      exit_code: number | null;
      message: string;
    }>,
  ) {
    const existing = await this.db
      .selectFrom('deployment_runs')
      .select('state')
      .where('deployment_id', '=', deploymentId)
      .where('computer_id', '=', computerId)
      .executeTakeFirst();
    if (existing)
      await this.db
        .updateTable('deployment_runs')
        .set(set)
        .where('deployment_id', '=', deploymentId)
        .where('computer_id', '=', computerId)
        .execute();
    else
      await this.db
        .insertInto('deployment_runs')
        .values({
          deployment_id: deploymentId,
          computer_id: computerId,
          state: 'none',
          requested_at: null,
          started_at: null,
          finished_at: null,
          exit_code: null,
          message: '',
          ...set,
        })
        .execute();
  }

  async recordStatus(deploymentId: string, computerId: string, input: StatusInput[]) {
    await this.assertTargets(deploymentId, computerId);
    // A step's output can echo a secret value (a command line with a password): never stored.
    const hidden = (await this.#hiddenValues(deploymentId, computerId)).filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
    const mask = (text: string | undefined) =>
      text === undefined ? undefined : hidden.reduce((t, secretValue) => t.split(secretValue).join('********'), text);
    const messages = input.map((m) => ({ ...m, ...(m.actionOutput !== undefined ? { actionOutput: mask(m.actionOutput) } : {}) }));
    for (const m of messages) {
      const spec = STATUS_MESSAGES[m.kind];
      const exitCode = m.exitCode ?? null;
      const severity =
        m.kind === 'actionFailed' || m.kind === 'tsFailed'
          ? 'Error'
          : m.kind === 'actionFailureIgnored' || m.kind === 'requirementsNotMet'
            ? 'Warning'
            : 'Informational';
      const time = m.time && !Number.isNaN(Date.parse(m.time)) ? new Date(m.time).toISOString() : now();
      const count = await this.db
        .selectFrom('status_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('deployment_id', '=', deploymentId)
        .where('computer_id', '=', computerId)
        .executeTakeFirstOrThrow();
      await this.db
        .insertInto('status_messages')
        .values({
          id: randomUUID(),
          seq: Number(count.n) + 1,
          deployment_id: deploymentId,
          computer_id: computerId,
          message_id: spec.id,
          severity,
          component: spec.component,
          step: m.step ?? null,
          group_name: m.groupName ?? '',
          action_name: m.actionName ?? '',
          exit_code: exitCode,
          action_output: (m.actionOutput ?? '').slice(-4000),
          text: statusText(m.kind, m.actionName ?? '', m.groupName ?? '', exitCode),
          execution_time: time,
        })
        .execute();
      const state = stateAfter(spec.id);
      if (state === 'running')
        await this.#upsertRun(deploymentId, computerId, { state, started_at: time, finished_at: null, exit_code: null, message: '' });
      else if (state)
        await this.#upsertRun(deploymentId, computerId, {
          state,
          finished_at: time,
          exit_code: exitCode,
          message: m.actionOutput ? m.actionOutput.slice(0, 500) : statusText(m.kind, '', '', exitCode),
        });
    }
  }
}
