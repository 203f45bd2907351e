// Fastify compiles every route's JSON schemas (Ajv validators, fast-json-stringify serializers)
// each time a server is built, with compilers of that server's own. A process that builds many
// servers (a test file builds one per test) compiled the same schemas again each time: about a
// third of the SMP suites' CPU. These are fastify's own default compilers, shared by every server
// of the process and kept by schema content, so a schema is compiled once per process. A compiled
// function depends only on its schema, the shared schemas and the compiler options (the pools'
// keys), so sharing it across servers changes nothing of what they accept or send. One thing
// fastify does only for its own compilers: lower-casing the property names of a headers schema;
// here such a schema must be written lower-case (checked when it is compiled).
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
/** What fastify hands a compiler for one schema of a route. */
type Route = { readonly schema: unknown; readonly httpPart?: string; readonly httpStatus?: string; readonly contentType?: string };
type Compile = (route: Route) => unknown;
type Pool = (externalSchemas: unknown, options: unknown) => Compile;

function lowerCaseOnly(schema: unknown): void {
  const names = Object.keys((schema as { properties?: object } | null)?.properties ?? {});
  const upper = names.find((n) => n !== n.toLowerCase());
  if (upper) throw new Error(`headers schema: write the header name "${upper}" in lower case (HTTP header names arrive lower-cased)`);
}

/** `compile`, remembering its result per schema content and the part of the route it is for. */
function byContent(compile: Compile): Compile {
  const compiled = new Map<string, unknown>();
  return (route) => {
    if (route.httpPart === 'headers') lowerCaseOnly(route.schema);
    const key = `${route.httpPart} ${route.httpStatus} ${route.contentType}\n${JSON.stringify(route.schema)}`;
    let fn = compiled.get(key);
    if (fn === undefined) {
      fn = compile(route);
      compiled.set(key, fn);
    }
    return fn;
  };
}

/** The pool gives one compiler per set of shared schemas and options; each gets one cache. */
function cachedFactory(pool: Pool): Pool {
  const wrapped = new WeakMap<Compile, Compile>();
  return (externalSchemas, options) => {
    const compile = pool(externalSchemas, options);
    let cached = wrapped.get(compile);
    if (!cached) {
      cached = byContent(compile);
      wrapped.set(compile, cached);
    }
    return cached;
  };
}

/** The `schemaController` option every Ferry server is built with. */
export const SHARED_SCHEMA_COMPILERS: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: cachedFactory(AjvCompiler() as unknown as Pool) as unknown as NonNullable<Factories['buildValidator']>,
    buildSerializer: cachedFactory(SerializerSelector() as unknown as Pool) as unknown as NonNullable<Factories['buildSerializer']>,
  },
};
