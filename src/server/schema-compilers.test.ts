import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { SHARED_SCHEMA_COMPILERS } from './schema-compilers.ts';

// Each server gets its own, equal schema objects, as when a module builds them per server.
function server() {
  const app = Fastify({ schemaController: SHARED_SCHEMA_COMPILERS });
  app.post(
    '/things',
    {
      schema: {
        body: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'], additionalProperties: false },
        querystring: { type: 'object', properties: { n: { type: 'integer' } } },
        headers: { type: 'object', properties: { 'x-ferry-tag': { type: 'string', pattern: '^t' } } },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' }, q: { type: 'integer' } } } },
      },
    },
    async (req) => ({ n: (req.body as { n: number }).n, q: (req.query as { n?: number }).n, secret: 'not in the schema' }),
  );
  return app;
}

test('servers built with the shared compilers validate and serialize each by its own schemas', async () => {
  const [a, b] = [server(), server()];
  for (const app of [a, b]) {
    const ok = await app.inject({ method: 'POST', url: '/things?n=7', payload: { n: 2 }, headers: { 'x-ferry-tag': 'tag' } });
    assert.equal(ok.statusCode, 200, ok.body);
    // The querystring is coerced to an integer; what the response schema does not name is not sent.
    assert.deepEqual(ok.json(), { n: 2, q: 7 });
    const [badBody, badPart, badHeader] = await Promise.all([
      app.inject({ method: 'POST', url: '/things', payload: { n: 0 } }),
      app.inject({ method: 'POST', url: '/things?n=x', payload: { n: 1 } }),
      app.inject({ method: 'POST', url: '/things', payload: { n: 1 }, headers: { 'x-ferry-tag': 'no' } }),
    ]);
    assert.equal(badBody.statusCode, 400);
    assert.match(badBody.json().message, /body\/n must be >= 1/);
    assert.match(badPart.json().message, /querystring\/n must be integer/);
    assert.match(badHeader.json().message, /headers\/x-ferry-tag must match pattern/);
  }
  await Promise.all([a.close(), b.close()]);
});

test('a headers schema must name its headers in lower case', async () => {
  const app = Fastify({ schemaController: SHARED_SCHEMA_COMPILERS });
  app.get('/', { schema: { headers: { type: 'object', properties: { 'X-Ferry-Tag': { type: 'string' } } } } }, async () => 'x');
  await assert.rejects(async () => app.ready(), /write the header name "X-Ferry-Tag" in lower case/);
});
