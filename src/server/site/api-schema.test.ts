import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TS_LIMITS } from '../../tasksequence/index.ts';
import { CATEGORIES, MAX_IMPORT_XML_CHARS } from './api-schema.ts';

test('the schema module repeats the limits it cannot import (it stays free of runtime code)', () => {
  assert.equal(MAX_IMPORT_XML_CHARS, 2 * TS_LIMITS.maxXmlBytes);
  assert.deepEqual(CATEGORIES, ['Success', 'In Progress', 'Error', 'Requirements Not Met', 'Unknown']);
});
