// The administration routes (the admin token's reach): storage folders, settings, enrollment
// tokens, computers, the Network Access Account, associations, stores and recovery information.
import { Type } from 'typebox';
import { FerryError } from '../../errors/index.ts';
import {
  AssociationView,
  ComputerView,
  EnrollmentToken,
  FolderView,
  RecoveryInformation,
  SmpServerRecord,
  StorageFolder,
  StoreRecord,
} from '../../smp/index.ts';
import { ADMIN_TAGS, ok, principal, SECURITY, type SmpApp, type SmpRouteContext } from './plumbing.ts';
import {
  AssociationBody,
  ComputerBody,
  EnrollmentBody,
  FolderBody,
  FolderPatch,
  IdParams,
  NaaBody,
  NaaReply,
  NameParams,
  RevokeReply,
  SettingsPatch,
} from './schemas.ts';

const SECONDS_PER = { Days: 86400, Hours: 3600, Seconds: 1 } as const;

export function registerAdminRoutes(smp: SmpApp, ctx: SmpRouteContext): void {
  registerFolderAndSettingsRoutes(smp, ctx);
  registerComputerAdminRoutes(smp, ctx);
  registerAssociationAndStoreRoutes(smp, ctx);
}

const schema = { tags: ADMIN_TAGS, security: SECURITY };

function registerFolderAndSettingsRoutes(smp: SmpApp, { service }: SmpRouteContext): void {
  smp.get('/admin/folders', { schema: { ...schema, response: ok(Type.Array(FolderView)) } }, async (req) =>
    service.listFolders(principal(req)),
  );
  smp.post(
    '/admin/folders',
    { schema: { ...schema, summary: 'Add a storage folder', body: FolderBody, response: ok(StorageFolder) } },
    async (req) => service.addFolder(principal(req), req.body),
  );
  smp.patch(
    '/admin/folders/:id',
    { schema: { ...schema, params: IdParams, body: FolderPatch, response: ok(StorageFolder) } },
    async (req) => service.updateFolder(principal(req), req.params.id, req.body),
  );
  smp.delete('/admin/folders/:id', { schema: { ...schema, params: IdParams } }, async (req, reply) => {
    await service.removeFolder(principal(req), req.params.id);
    return reply.status(204).send();
  });

  smp.get('/admin/settings', { schema: { ...schema, response: ok(SmpServerRecord) } }, async (req) => service.getSettings(principal(req)));
  smp.patch(
    '/admin/settings',
    {
      schema: {
        ...schema,
        summary: 'Restore-only mode and deletion policy of this SMP',
        body: SettingsPatch,
        response: ok(SmpServerRecord),
      },
    },
    async (req) => {
      const b = req.body;
      const patch: { restoreOnly?: boolean; deleteAfterSeconds?: number } = {};
      if (b.restoreOnly !== undefined) patch.restoreOnly = b.restoreOnly;
      if (b.deleteImmediately) patch.deleteAfterSeconds = 0;
      else if (b.timeDeleteAfter !== undefined) patch.deleteAfterSeconds = b.timeDeleteAfter * SECONDS_PER[b.timeUnit ?? 'Days'];
      return service.updateSettings(principal(req), patch);
    },
  );
}

function registerComputerAdminRoutes(smp: SmpApp, { service }: SmpRouteContext): void {
  smp.post(
    '/admin/enrollment-tokens',
    { schema: { ...schema, summary: 'Create an enrollment token (shown once)', body: EnrollmentBody, response: ok(EnrollmentToken) } },
    async (req) => {
      const b = req.body ?? {};
      return service.createEnrollmentToken(principal(req), {
        expiresInSeconds: b.expiresInSeconds ?? 86400,
        uses: b.uses ?? 1,
        ...(b.computer ? { computer: b.computer } : {}),
      });
    },
  );

  smp.get('/admin/computers', { schema: { ...schema, response: ok(Type.Array(ComputerView)) } }, async (req) =>
    service.listComputers(principal(req)),
  );
  smp.post(
    '/admin/computers',
    { schema: { ...schema, summary: 'Import a computer (e.g. a destination)', body: ComputerBody, response: ok(ComputerView) } },
    async (req) => {
      const c = await service.importComputer(principal(req), req.body.name);
      return {
        id: c.id,
        name: c.name,
        registered: c.credentialHash !== null,
        credentialExpiresAt: c.credentialExpiresAt,
        credentialRevokedAt: c.credentialRevokedAt,
      };
    },
  );
  smp.post(
    '/admin/computers/:name/revoke',
    {
      schema: {
        ...schema,
        summary: "Revoke a computer's credential now (it re-registers only with a token bound to it)",
        params: NameParams,
        response: ok(RevokeReply),
      },
    },
    async (req) => {
      const { name } = req.params;
      if (!(await service.revokeComputer(principal(req), name)))
        throw new FerryError('FERRY_E_SMP_UNKNOWN_COMPUTER', `Computer ${name} is not known to the SMP.`, { details: { computer: name } });
      return { revoked: true };
    },
  );

  smp.put(
    '/admin/naa',
    {
      schema: {
        ...schema,
        summary: 'Enable (new credential, shown once) or disable the Network Access Account',
        body: NaaBody,
        response: ok(NaaReply),
      },
    },
    async (req) => service.setNetworkAccessAccount(principal(req), req.body.enabled),
  );
}

function registerAssociationAndStoreRoutes(smp: SmpApp, { service }: SmpRouteContext): void {
  smp.get('/admin/associations', { schema: { ...schema, response: ok(Type.Array(AssociationView)) } }, async (req) =>
    service.listAssociations(principal(req)),
  );
  smp.post(
    '/admin/associations',
    { schema: { ...schema, summary: 'Create a computer association', body: AssociationBody, response: ok(AssociationView) } },
    async (req) => service.createAssociation(principal(req), req.body),
  );
  smp.delete('/admin/associations/:id', { schema: { ...schema, params: IdParams } }, async (req, reply) => {
    await service.deleteAssociation(principal(req), req.params.id);
    return reply.status(204).send();
  });

  smp.get('/admin/stores', { schema: { ...schema, response: ok(Type.Array(StoreRecord)) } }, async (req) =>
    service.listStores(principal(req)),
  );
  smp.get(
    '/admin/stores/:id/recovery',
    { schema: { ...schema, summary: 'View Recovery Information', params: IdParams, response: ok(RecoveryInformation) } },
    async (req) => service.recoveryInformation(principal(req), req.params.id),
  );
}
