import { defineSmpSuite } from './smp-suite.ts';

defineSmpSuite({
  name: 'sqlite',
  setup: async () => undefined,
  database: async () => undefined,
  teardown: async () => {},
});
