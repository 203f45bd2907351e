// Fuzz target for every JSON body of the REST APIs (issue 11): the routes' own schemas (from the
// OpenAPI documents the servers publish) generate bodies — mostly well-formed, with fields
// replaced by hostile values, left out or added — sent to a real site and a real State Migration
// Point on loopback. Every answer must be a success or a 4xx carrying a FERRY_ code; never a 500.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { createSmpServer, type SmpServer } from '../../src/server/index.ts';
import { signIn, startSite, type RunningSite, type Session } from '../site-helpers.ts';
import { adminOk, registerComputer } from '../smp-helpers.ts';
import { fuzz, FuzzFinding } from './fuzz-support.ts';

type Schema = Record<string, any>;

const work = mkdtempSync(join(tmpdir(), 'ferry-fuzz-rest-'));
// Fuzzed relative paths (folder paths are an admin's input) land in the scratch folder.
process.chdir(work);
let smp: SmpServer;
let site: RunningSite;
let session: Session;
let smpAdmin: string;
let computerCredential: string;
let storeId: string;
let agentCredential: string;

before(async () => {
  smp = await createSmpServer({ dataDir: join(work, 'smp'), logger: false, deletionIntervalMs: 3_600_000, verifyStore: false });
  smpAdmin = smp.firstStart.adminToken as string;
  mkdirSync(join(work, 'folder'), { recursive: true });
  await adminOk(smp.url, smpAdmin, 'POST', '/admin/folders', {
    path: join(work, 'folder'),
    maxClients: 10,
    minFreeSpace: 1,
    spaceUnit: 'Megabyte',
  });
  computerCredential = await registerComputer(smp.url, smpAdmin, 'FUZZPC');
  const grant = await fetch(`${smp.url}/requests/capture`, { method: 'POST', headers: { authorization: `Bearer ${computerCredential}` } });
  storeId = ((await grant.json()) as { storeId: string }).storeId;
  site = await startSite({ withSmp: true });
  session = await signIn(site);
  const reg = await fetch(`${site.url}/api/agent/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'FUZZAGENT', enrollToken: site.site.enrollToken }),
  });
  agentCredential = ((await reg.json()) as { credential: string }).credential;
});

after(async () => {
  await site?.close();
  await smp?.close();
  process.chdir(tmpdir());
  rmSync(work, { recursive: true, force: true });
});

const HOSTILE = fc.constantFrom<unknown>(
  null,
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53,
  // biome-ignore lint/correctness/noPrecisionLoss: a number JSON cannot carry exactly, on purpose.
  9007199254740993,
  '',
  ' ',
  'x'.repeat(5000),
  '../../../etc/passwd',
  '\u0000',
  '\uD800',
  '%00',
  '*'.repeat(40),
  [],
  {},
  true,
  '1',
  [null],
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
);
const anyJson = fc.oneof({ weight: 3, arbitrary: HOSTILE }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

/** Values for a JSON schema: mostly valid, sometimes hostile, with fields dropped and added. */
function arbFor(schema: Schema | undefined, depth = 0, name = ''): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return anyJson;
  const valid = validFor(schema, depth, name);
  return fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: anyJson });
}

function validFor(s: Schema, depth: number, name: string): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union) && union.length) return fc.oneof(...union.map((u: Schema) => arbFor(u, depth + 1, name)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = Object.entries<Schema>(s.properties ?? {});
      const required = new Set<string>(s.required ?? []);
      const fields = props.map(([k, v]) =>
        fc.option(arbFor(v, depth + 1, k), { nil: undefined, freq: required.has(k) ? 20 : 2 }).map((x) => [k, x] as const),
      );
      return fc
        .tuple(fc.tuple(...fields), fc.option(fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 2 }), { freq: 8 }))
        .map(([entries, extra]) => {
          const o: Record<string, unknown> = {};
          for (const [k, v] of entries) if (v !== undefined) o[k] = v;
          return extra ? { ...extra, ...o } : o;
        });
    }
    case 'array':
      return fc.array(arbFor(s.items, depth + 1, name), { maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'string':
      if (/path/i.test(name)) return fc.constantFrom(join(work, 'f1'), join(work, 'a/../b'), 'relative', '/dev/null', '/proc/self', '');
      if (s.format === 'date-time' || /At$/.test(name))
        return fc.constantFrom(new Date(0).toISOString(), '2026-13-45T99:99:99Z', 'soon', new Date(8.64e15).toISOString());
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -10, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    default:
      return anyJson;
  }
}

interface Route {
  readonly method: string;
  readonly path: string;
  readonly body: Schema;
}

function jsonRoutes(doc: any, skip: (path: string) => boolean): Route[] {
  const out: Route[] = [];
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    if (skip(path)) continue;
    for (const [method, op] of Object.entries<any>(ops)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) out.push({ method: method.toUpperCase(), path, body });
    }
  }
  return out;
}

async function send(
  base: string,
  route: Route,
  pathValue: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const url = `${base}${route.path.replace(/\{[^}]+\}/g, encodeURIComponent(pathValue))}`;
  const res = await fetch(url, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function judge(route: Route, r: { status: number; text: string }, body: unknown): 'coded' | undefined {
  const where = `${route.method} ${route.path} ${JSON.stringify(body)?.slice(0, 300)}`;
  if (r.status >= 500) throw new FuzzFinding(`${where} → ${r.status} ${r.text.slice(0, 300)}`);
  if (r.status >= 400) {
    let code: unknown;
    try {
      code = (JSON.parse(r.text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (typeof code !== 'string' || !/^FERRY_[EW]_[A-Z0-9_]+$/.test(code))
      throw new FuzzFinding(`${where} → ${r.status} without a FERRY_ code: ${r.text.slice(0, 300)}`);
  }
  if (({} as Record<string, unknown>).polluted !== undefined) throw new FuzzFinding(`${where} polluted Object.prototype`);
  return r.status >= 400 ? 'coded' : undefined;
}

test('fuzz: every JSON body of the State Migration Point API', async (t) => {
  const routes = jsonRoutes((smp.app as any).swagger(), () => false);
  assert.ok(routes.length >= 8, `SMP JSON routes: ${routes.map((r) => r.path).join(', ')}`);
  const arb = fc
    .constantFrom(...routes)
    .chain((route) => fc.tuple(fc.constant(route), arbFor(route.body), fc.constantFrom(storeId, '1', 'x', '9'.repeat(30), '%2e%2e')));
  await fuzz(
    t,
    `SMP API (${routes.length} routes)`,
    arb,
    async ([route, body, id]) => {
      const token = route.path.startsWith('/admin') ? smpAdmin : computerCredential;
      return judge(
        route,
        await send(smp.url, route, id, body, route.path === '/register' ? {} : { authorization: `Bearer ${token}` }),
        body,
      );
    },
    { budgetMs: 5_000, runs: 1500 },
  );
});

test('fuzz: every JSON body of the site API', async (t) => {
  const doc = (site.site.app as any).swagger();
  // The embedded /smp routes are the State Migration Point's, fuzzed above.
  const routes = jsonRoutes(doc, (p) => p.startsWith('/smp/'));
  assert.ok(routes.length >= 12, `site JSON routes: ${routes.map((r) => r.path).join(', ')}`);
  const ts = await fetch(`${site.url}/api/task-sequences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-ferry-csrf': session.csrf },
    body: JSON.stringify({ name: 'Fuzz target', template: 'image-package' }),
  });
  const tsId = ((await ts.json()) as { id: string }).id;
  const arb = fc
    .constantFrom(...routes)
    .chain((route) => fc.tuple(fc.constant(route), arbFor(route.body), fc.constantFrom(tsId, 'FRY00001', 'x', '9'.repeat(30))));
  await fuzz(
    t,
    `site API (${routes.length} routes)`,
    arb,
    async ([route, body, id]) => {
      const headers: Record<string, string> = route.path.startsWith('/api/agent/')
        ? { authorization: `Bearer ${agentCredential}` }
        : { cookie: session.cookie, 'x-ferry-csrf': session.csrf };
      return judge(route, await send(site.url, route, id, body, headers), body);
    },
    { budgetMs: 5_000, runs: 1500 },
  );
});

test('regressions the fuzz found: adding a folder twice is 409, a folder path naming a file is 400 (both coded)', async () => {
  const add = (path: string) =>
    fetch(`${smp.url}/admin/folders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${smpAdmin}` },
      body: JSON.stringify({ path, maxClients: 1, minFreeSpace: 1, spaceUnit: 'Megabyte' }),
    });
  const twice = await add(join(work, 'folder'));
  assert.equal(twice.status, 409);
  assert.equal(((await twice.json()) as { code: string }).code, 'FERRY_E_SMP_FOLDER_EXISTS');
  const file = await add('/dev/null');
  assert.equal(file.status, 400);
  assert.equal(((await file.json()) as { code: string }).code, 'FERRY_E_INVALID_ARGUMENT');
});
