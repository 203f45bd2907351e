// The routes a computer (or its Network Access Account) calls for itself: health, registration,
// Request State Store and its own stores.
import { Type } from 'typebox';
import { Registration, StoreGrant, StoreRecord } from '../../smp/index.ts';
import { COMPUTER_TAGS, ok, principal, SECURITY, type SmpApp, type SmpRouteContext } from './plumbing.ts';
import { RegisterBody } from './schemas.ts';

const REGISTER_BODY_LIMIT = 16 * 1024;
const REGISTER_FAILURES = new Set(['FERRY_E_SMP_UNAUTHORIZED', 'FERRY_E_SMP_ENROLLMENT_REFUSED', 'FERRY_E_SMP_COMPUTER_REGISTERED']);

export function registerComputerRoutes(smp: SmpApp, { service, failures }: SmpRouteContext): void {
  const schema = { tags: COMPUTER_TAGS, security: SECURITY };
  smp.get(
    '/health',
    {
      config: { smpPublic: true },
      schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.String(), server: Type.String() }) } },
    },
    async () => ({ status: 'ok', server: service.serverName }),
  );

  smp.post(
    '/register',
    {
      config: { smpPublic: true, smpAuthAttempt: true },
      bodyLimit: REGISTER_BODY_LIMIT,
      schema: {
        tags: COMPUTER_TAGS,
        summary: 'Get a computer credential: enrollment token (new computer, or one bound to it) or current credential (renewal)',
        body: RegisterBody,
        response: ok(Registration),
      },
    },
    async (req) => {
      const { computerName, enrollmentToken, currentCredential } = req.body;
      return failures.guard(
        req.ip,
        () =>
          service.register(computerName, {
            ...(enrollmentToken ? { enrollmentToken } : {}),
            ...(currentCredential ? { currentCredential } : {}),
          }),
        REGISTER_FAILURES,
      );
    },
  );

  for (const kind of ['capture', 'restore'] as const) {
    smp.post(
      `/requests/${kind}`,
      { schema: { ...schema, summary: `Request State Store (${kind})`, response: ok(StoreGrant) } },
      async (req) => (kind === 'capture' ? service.requestCapture(principal(req)) : service.requestRestore(principal(req))),
    );
  }

  smp.get('/stores', { schema: { ...schema, summary: "This computer's stores", response: ok(Type.Array(StoreRecord)) } }, async (req) =>
    service.listOwnStores(principal(req)),
  );
}
