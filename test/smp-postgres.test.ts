import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { defineSmpSuite } from './smp-suite.ts';

let pg: TestPostgres | undefined;
let n = 0;

defineSmpSuite({
  name: 'postgres',
  async setup() {
    const started = await startPostgres();
    if (typeof started === 'string') return started;
    pg = started;
    return undefined;
  },
  database: async () => pg?.createDatabase(`smp_${process.pid}_${++n}`),
  teardown: async () => pg?.stop(),
});
