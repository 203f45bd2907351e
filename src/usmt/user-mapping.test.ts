import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAccount } from './user-mapping.ts';

test('/mu renames one user; /md moves domains, first match wins; /mu beats /md', () => {
  const mu = [
    { fromDomain: 'PC1', fromUser: 'alice', toDomain: 'contoso', toUser: 'alice2' },
    { fromUser: 'bob', toUser: 'robert' },
  ];
  const md = [
    { from: 'corporate', to: 'fabrikam' },
    { from: 'corporate', to: 'farnorth' },
    { from: 'corp*', to: 'other' },
  ];
  assert.deepEqual(mapAccount({ name: 'Alice', domain: 'pc1' }, mu, md), { name: 'alice2', domain: 'contoso' });
  assert.deepEqual(mapAccount({ name: 'alice', domain: 'PC2' }, mu, md), { name: 'alice', domain: 'PC2' });
  assert.deepEqual(mapAccount({ name: 'bob', domain: 'corporate' }, mu, md), { name: 'robert', domain: 'corporate' });
  assert.deepEqual(mapAccount({ name: 'carol', domain: 'corporate' }, mu, md), { name: 'carol', domain: 'fabrikam' });
  assert.deepEqual(mapAccount({ name: 'dan', domain: 'corpX' }, mu, md), { name: 'dan', domain: 'other' });
});
