// `ferry smp`: run a State Migration Point, act as its client (what Request / Release State
// Store do), and administer it (storage folders, associations, enrollment, NAA, recovery).
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FerryError } from '../errors/index.ts';
import { EventStream, print as println, terminal } from '../events/index.ts';
import { SmpHttpClient } from '../smp/index.ts';
import { rotateAdminToken } from '../smp/index.ts';
import { openRecoverySlot } from '../smp/index.ts';
import { commandErrorExit, envFromTerminal, TERMINAL_OUTPUT } from './command-error.ts';

const int =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', `${name} must be a whole number, not ${JSON.stringify(v)}.`);
    return n;
  };
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface ClientFlags {
  server: string[];
  computer?: string;
  credential?: string;
  naaCredential?: string;
  fallbackToNaa?: boolean;
  retryCount: number;
  retryTime: number;
  json?: boolean;
}

function clientOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'SMP URL; repeat to give the list to try in turn', collect)
    .option('--computer <name>', 'this computer name (default: $FERRY_COMPUTER_NAME or the host name)')
    .addOption(new Option('--credential <credential>', 'computer credential from `ferry smp register`').env('FERRY_SMP_CREDENTIAL'))
    .addOption(new Option('--naa-credential <credential>', 'Network Access Account credential').env('FERRY_SMP_NAA_CREDENTIAL'))
    .option('--fallback-to-naa', 'use the Network Access Account if the computer credential is refused (OSDStateFallbackToNAA)')
    .option('--retry-count <n>', 'OSDStateSMPRetryCount (0–30)', int('--retry-count'), 3)
    .option('--retry-time <seconds>', 'OSDStateSMPRetryTime (0–600)', int('--retry-time'), 10)
    .option('--json', 'print JSON');
}

function makeClient(f: ClientFlags, events?: EventStream): SmpHttpClient {
  if (f.retryCount > 30) throw new FerryError('FERRY_E_INVALID_ARGUMENT', '--retry-count is 0–30.');
  if (f.retryTime > 600) throw new FerryError('FERRY_E_INVALID_ARGUMENT', '--retry-time is 0–600 seconds.');
  return new SmpHttpClient({
    servers: f.server,
    computerName: f.computer ?? terminal().env.FERRY_COMPUTER_NAME ?? (terminal().env.HOSTNAME || 'localhost'),
    ...(f.credential ? { credential: f.credential } : {}),
    ...(f.naaCredential ? { naaCredential: f.naaCredential } : {}),
    fallbackToNaa: f.fallbackToNaa === true,
    retryCount: f.retryCount,
    retryDelaySeconds: f.retryTime,
    ...(events ? { events } : {}),
  });
}

function progressEvents(json: boolean | undefined): EventStream {
  const events = new EventStream();
  let lastPct = -1;
  events.on((e) => {
    if (e.type === 'log') terminal().stderr.write(`${e.component}: ${e.message}\n`);
    if (e.type === 'progress' && e.bytesTotal && !json) {
      const pct = Math.floor((100 * (e.bytesDone ?? 0)) / e.bytesTotal);
      if (pct !== lastPct && pct % 10 === 0) terminal().stderr.write(`${e.phase} ${pct}%\n`);
      lastPct = pct;
    }
  });
  return events;
}

function print(value: unknown, json: boolean | undefined): void {
  if (json || typeof value !== 'object' || value === null) println(JSON.stringify(value, null, 2));
  else for (const [k, v] of Object.entries(value)) println(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

interface AdminFlags {
  server: string;
  token: string;
}

function adminOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'SMP URL')
    .addOption(new Option('--token <token>', 'admin token printed at first start').env('FERRY_SMP_ADMIN_TOKEN').makeOptionMandatory());
}

async function admin(f: AdminFlags, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${f.server.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${f.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((err: unknown) => {
    throw new FerryError('FERRY_E_SMP_UNREACHABLE', `Cannot reach ${f.server}: ${(err as Error).message}.`);
  });
  if (res.status === 204) return { ok: true };
  const data = (await res.json()) as { code?: string; message?: string };
  if (!res.ok)
    throw new FerryError(
      (data.code?.startsWith('FERRY_E_') ? data.code : 'FERRY_E_INTERNAL') as 'FERRY_E_INTERNAL',
      data.message ?? `HTTP ${res.status}`,
    );
  return data;
}

function build(): Command {
  const program = new Command('ferry smp')
    .configureOutput(TERMINAL_OUTPUT)
    .description('State Migration Point: serve, request, transfer, release, administer')
    .exitOverride()
    .showHelpAfterError();

  addServeCommand(program);
  addClientCommands(program);
  addFolderAndSettingsCommands(program);
  addAdminCommands(program);
  return envFromTerminal(program);
}

/** `ferry smp serve`. */
function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run a State Migration Point (HTTP, 127.0.0.1 unless --host)')
    .option('--port <port>', 'TCP port', int('--port'), 8740)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data <dir>', 'data directory (database, site key, admin token hash)', 'ferry-smp-data')
    .option('--db <url>', 'postgres://… for a shared site database, or a SQLite file (default <data>/smp.sqlite)')
    .option('--name <name>', 'this SMP name in the site (default <host name>:<port>)')
    .option('--public-url <url>', 'URL clients reach this SMP at (default http://<host>:<port>)')
    .option('--site-key <file>', 'site key file shared by the SMPs of a site (default <data>/site.key)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--max-store-size <bytes>', 'largest store accepted', int('--max-store-size'))
    .option('--chunk-size <bytes>', 'upload chunk size', int('--chunk-size'))
    .option('--rate-limit <perMinute>', 'requests per minute per credential', int('--rate-limit'))
    .option('--deletion-interval <seconds>', 'how often released stores are checked for deletion', int('--deletion-interval'), 60)
    .option('--no-verify-stores', 'release captures without checking them as migration stores (for non-store payloads)')
    .option('--credential-ttl <seconds>', 'lifetime of computer credentials', int('--credential-ttl'))
    .action(async (o) => {
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey))
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Give both --tls-cert and --tls-key, or neither.');
      // Loaded here: the client commands (upload, download, …) do not pay for the server's
      // modules (fastify, the databases, the site app: ~0.45 s of CPU at every start).
      const { createSmpServer } = await import('../server/index.ts');
      const server = await createSmpServer({
        ...(o.tlsCert ? { tls: { cert: readFileSync(resolve(o.tlsCert)), key: readFileSync(resolve(o.tlsKey)) } } : {}),
        dataDir: resolve(o.data),
        port: o.port,
        host: o.host,
        ...(o.db ? { db: o.db } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
        ...(o.siteKey ? { siteKeyFile: resolve(o.siteKey) } : {}),
        ...(o.maxStoreSize ? { maxStoreBytes: o.maxStoreSize } : {}),
        ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
        ...(o.rateLimit ? { rateLimitPerMinute: o.rateLimit } : {}),
        ...(o.credentialTtl ? { credentialTtlSeconds: o.credentialTtl } : {}),
        deletionIntervalMs: o.deletionInterval * 1000,
        ...(o.verifyStores === false ? { verifyStore: false as const } : {}),
      });
      if (server.firstStart.adminToken) println(`Admin token (shown once; keep it): ${server.firstStart.adminToken}`);
      if (server.firstStart.recoveryKey) println(`Site recovery key (shown once; keep it offline): ${server.firstStart.recoveryKey}`);
      println(`SMP ${server.service.serverName} listening on ${server.url} (API docs ${server.url}/docs)`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** What a computer does: register, Request State Store, upload, download, Release State Store. */
function addClientCommands(program: Command): void {
  program
    .command('register')
    .description('register this computer (enrollment token) or renew its credential (current credential); prints the new credential')
    .requiredOption('--server <url>', 'SMP URL')
    .option('--enrollment-token <token>', 'token from `ferry smp enrollment create` (bound to this computer when it is already registered)')
    .addOption(new Option('--current-credential <credential>', 'renew: the credential this computer holds now').env('FERRY_SMP_CREDENTIAL'))
    .requiredOption('--computer <name>', 'this computer name')
    .option('--json', 'print JSON')
    .action(async (o) => {
      if (o.enrollmentToken) return print(await SmpHttpClient.register(o.server, o.enrollmentToken, o.computer), o.json);
      if (o.currentCredential) return print(await SmpHttpClient.renew(o.server, o.currentCredential, o.computer), o.json);
      throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Give --enrollment-token (register) or --current-credential (renew).');
    });

  clientOptions(program.command('request').description('Request State Store: get a store to capture into or restore from'))
    .option('--capture', 'capture state from this computer')
    .option('--restore', 'restore state from another computer (or this one after a refresh)')
    .action(async (o) => {
      if (Boolean(o.capture) === Boolean(o.restore))
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Give exactly one of --capture or --restore.');
      const client = makeClient(o, progressEvents(o.json));
      const grant = o.capture ? await client.requestCapture() : await client.requestRestore();
      print(
        {
          OSDStateStorePath: grant.location,
          OSDStateStoreKey: grant.key,
          storeId: grant.storeId,
          kind: grant.kind,
          users: grant.users,
          sourceComputer: grant.sourceComputer,
        },
        o.json,
      );
    });

  clientOptions(program.command('upload').description('upload a captured store folder to its SMP location (resumes)'))
    .requiredOption('--store <dir>', 'store folder written by ScanState')
    .requiredOption('--location <url>', 'OSDStateStorePath from `ferry smp request --capture`')
    .action(async (o) => print(await makeClient(o, progressEvents(o.json)).upload(resolve(o.store), o.location), o.json));

  clientOptions(program.command('download').description('download a store from its SMP location (resumes, verifies)'))
    .requiredOption('--location <url>', 'OSDStateStorePath from `ferry smp request --restore`')
    .requiredOption('--dest <dir>', 'folder to download into')
    .action(async (o) => print(await makeClient(o, progressEvents(o.json)).download(o.location, resolve(o.dest)), o.json));

  clientOptions(program.command('release').description('Release State Store'))
    .requiredOption('--location <url>', 'OSDStateStorePath')
    .option('--capture', 'release after capture: the store becomes available for restore')
    .option('--restore', 'release after a restore; needs --store of the verified download')
    .option('--store <dir>', 'restore: the downloaded store folder, verified against the manifest first')
    .action(async (o) => {
      if (Boolean(o.capture) === Boolean(o.restore))
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Give exactly one of --capture or --restore.');
      const client = makeClient(o, progressEvents(o.json));
      if (o.capture) return print(await client.releaseCapture(o.location), o.json);
      if (!o.store)
        throw new FerryError('FERRY_E_INVALID_ARGUMENT', 'Release after restore needs --store <dir> (the downloaded store, to verify).');
      const report = await client.verifyDownload(o.location, resolve(o.store));
      if (!report.verified)
        throw new FerryError(
          'FERRY_E_SMP_STORE_STATE',
          `The store in ${o.store} does not match the SMP's manifest; restore again before releasing.`,
        );
      print(await client.releaseRestore(o.location, report), o.json);
    });
}

/** Storage folders and this SMP's settings. */
function addFolderAndSettingsCommands(program: Command): void {
  const folder = program.command('folder').description('storage folders');
  adminOptions(folder.command('add').argument('<path>', 'absolute path on the SMP server'))
    .option('--max-clients <n>', 'maximum number of clients (1–99999)', int('--max-clients'), 100)
    .option('--min-free <n>', 'minimum free space (with --unit)', int('--min-free'), 1)
    .addOption(new Option('--unit <unit>', 'unit of --min-free').choices(['Megabyte', 'Gigabyte', 'Percent']).default('Gigabyte'))
    .option('--smp <name>', 'SMP that owns the folder (default: the one at --server)')
    .action(async (path: string, o) =>
      print(
        await admin(o, 'POST', '/admin/folders', {
          path,
          maxClients: o.maxClients,
          minFreeSpace: o.minFree,
          spaceUnit: o.unit,
          ...(o.smp ? { serverName: o.smp } : {}),
        }),
        true,
      ),
    );
  adminOptions(folder.command('list')).action(async (o) => print(await admin(o, 'GET', '/admin/folders'), true));
  adminOptions(folder.command('set').argument('<id>'))
    .option('--max-clients <n>', 'maximum number of clients', int('--max-clients'))
    .option('--min-free <n>', 'minimum free space', int('--min-free'))
    .addOption(new Option('--unit <unit>', 'unit of --min-free').choices(['Megabyte', 'Gigabyte', 'Percent']))
    .action(async (id: string, o) =>
      print(
        await admin(o, 'PATCH', `/admin/folders/${encodeURIComponent(id)}`, {
          ...(o.maxClients ? { maxClients: o.maxClients } : {}),
          ...(o.minFree ? { minFreeSpace: o.minFree } : {}),
          ...(o.unit ? { spaceUnit: o.unit } : {}),
        }),
        true,
      ),
    );
  adminOptions(folder.command('remove').argument('<id>')).action(async (id: string, o) =>
    print(await admin(o, 'DELETE', `/admin/folders/${encodeURIComponent(id)}`), true),
  );

  adminOptions(program.command('settings').description('restore-only mode and deletion policy of this SMP'))
    .addOption(new Option('--restore-only <on|off>', 'restore-only mode').choices(['on', 'off']))
    .option('--delete-immediately', 'delete a store as soon as its restore is released')
    .option('--delete-after <n>', 'delete a released store after n --unit', int('--delete-after'))
    .addOption(new Option('--unit <unit>', 'unit of --delete-after').choices(['Days', 'Hours', 'Seconds']).default('Days'))
    .action(async (o) => {
      const patch = {
        ...(o.restoreOnly ? { restoreOnly: o.restoreOnly === 'on' } : {}),
        ...(o.deleteImmediately ? { deleteImmediately: true } : {}),
        ...(o.deleteAfter ? { timeDeleteAfter: o.deleteAfter, timeUnit: o.unit } : {}),
      };
      print(
        await admin(o, Object.keys(patch).length ? 'PATCH' : 'GET', '/admin/settings', Object.keys(patch).length ? patch : undefined),
        true,
      );
    });
}

/** Associations, computers, enrollment, NAA, stores, recovery and the admin token. */
function addAdminCommands(program: Command): void {
  const association = program.command('association').description('computer associations');
  adminOptions(association.command('add').argument('<source>').argument('<destination>'))
    .addOption(
      new Option('--behavior <n>', '0 capture and restore all, 1 capture all and restore specified, 2 capture and restore specified')
        .choices(['0', '1', '2'])
        .default('2'),
    )
    .option('--user <account>', 'user account to migrate (repeat)', collect)
    .action(async (source: string, destination: string, o) =>
      print(
        await admin(o, 'POST', '/admin/associations', {
          source,
          destination,
          migrationBehavior: Number(o.behavior),
          userNames: o.user ?? [],
        }),
        true,
      ),
    );
  adminOptions(association.command('list')).action(async (o) => print(await admin(o, 'GET', '/admin/associations'), true));
  adminOptions(association.command('remove').argument('<id>')).action(async (id: string, o) =>
    print(await admin(o, 'DELETE', `/admin/associations/${encodeURIComponent(id)}`), true),
  );

  const computer = program.command('computer').description('computers known to the SMP');
  adminOptions(computer.command('add').argument('<name>').description('import a computer (e.g. a new destination)')).action(
    async (name: string, o) => print(await admin(o, 'POST', '/admin/computers', { name }), true),
  );
  adminOptions(computer.command('list')).action(async (o) => print(await admin(o, 'GET', '/admin/computers'), true));
  adminOptions(computer.command('revoke').argument('<name>').description("revoke the computer's credential now")).action(
    async (name: string, o) => print(await admin(o, 'POST', `/admin/computers/${encodeURIComponent(name)}/revoke`), true),
  );

  adminOptions(program.command('enrollment').command('create').description('create an enrollment token for `ferry smp register`'))
    .option('--uses <n>', 'how many computers may use it', int('--uses'), 1)
    .option('--expires <seconds>', 'lifetime', int('--expires'), 86400)
    .option('--computer <name>', 'bind the token to this computer: it re-registers (resets) that computer, once')
    .action(async (o) =>
      print(
        await admin(o, 'POST', '/admin/enrollment-tokens', {
          uses: o.uses,
          expiresInSeconds: o.expires,
          ...(o.computer ? { computer: o.computer } : {}),
        }),
        true,
      ),
    );

  const naa = program.command('naa').description('the Network Access Account credential');
  adminOptions(naa.command('set').description('create a new NAA credential (shown once; replaces the old)')).action(async (o) =>
    print(await admin(o, 'PUT', '/admin/naa', { enabled: true }), true),
  );
  adminOptions(naa.command('disable')).action(async (o) => print(await admin(o, 'PUT', '/admin/naa', { enabled: false }), true));

  adminOptions(program.command('stores').description('every store of the site')).action(async (o) =>
    print(await admin(o, 'GET', '/admin/stores'), true),
  );
  adminOptions(
    program.command('recovery').argument('<storeId>').description('View Recovery Information: the store key and its recovery slot'),
  ).action(async (id: string, o) => print(await admin(o, 'GET', `/admin/stores/${encodeURIComponent(id)}/recovery`), true));
  program
    .command('rotate-admin-token')
    .description('replace the admin token (the old one stops working once the SMP restarts); prints the new one once')
    .option('--data <dir>', 'data directory of the SMP', 'ferry-smp-data')
    .action((o: { data: string }) => {
      const token = rotateAdminToken(resolve(o.data));
      println(`New admin token (shown once; keep it): ${token}\nRestart \`ferry smp serve\` on this data directory for it to take effect.`);
    });
  program
    .command('recover-key')
    .description('open a store recovery slot offline with the site recovery key')
    .requiredOption('--store <id>', 'store id')
    .requiredOption('--slot <slot>', 'recoverySlot from `ferry smp recovery`')
    .addOption(new Option('--recovery-key <key>', 'site recovery key (frk_…)').env('FERRY_SMP_RECOVERY_KEY').makeOptionMandatory())
    .action((o) => print({ storeId: o.store, key: openRecoverySlot(o.slot, o.recoveryKey, o.store).toString('base64') }, true));
}

export async function run(argv: string[]): Promise<number> {
  const program = build();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return commandErrorExit(err, 1);
  }
}
