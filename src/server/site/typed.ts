// The site's Fastify instance typed by the TypeBox type provider: a route's body, params and
// querystring are typed from the schemas it declares (src/server/site/api-schema.ts), so
// handlers read `req.body.name` without casts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

export type SiteApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The same instance, typed by its route schemas. */
export const typed = (app: FastifyInstance): SiteApp => app.withTypeProvider<TypeBoxTypeProvider>();

/** OpenAPI tags, summary and security of a console route (session cookie + CSRF header). */
export const consoleDoc = (tag: string, summary: string) => ({ tags: [tag], summary, security: [{ session: [], csrf: [] }] });
/** OpenAPI tags, summary and security of an agent route (bearer credential). */
export const agentDoc = (summary: string) => ({ tags: ['agent'], summary, security: [{ agent: [] }] });

/** Emits a `change` event (the console's live refresh) for an object of `kind`. */
export type Changed = (kind: string, id: string) => void;
