// What the console's Task Sequence Editor needs from the server besides the documents: the step
// catalog (Add menu, Properties tab fields, a new step of each type), the condition types of
// Options › Add Condition (its checks come from `POST /api/task-sequences/validate`). The console
// holds no copy of any of it; the data comes from the domain's one catalog
// (src/tasksequence/step-types.ts).
import type { FastifyInstance } from 'fastify';
import { ADD_MENU_CATEGORIES } from '../../tasksequence/index.ts';
import { EXPRESSION_CATALOG, newExpression, newGroup, newStep, STEP_CATALOG } from '../../site/index.ts';

/** `GET /api/step-types`: everything the editor offers, as plain JSON. */
export function stepTypesResponse() {
  return {
    categories: [...ADD_MENU_CATEGORIES],
    stepTypes: STEP_CATALOG.map((s) => ({ ...s, newStep: newStep(s.type) })),
    conditions: EXPRESSION_CATALOG.map((e) => ({ ...e, newExpression: newExpression(e.kind) })),
    newGroup: newGroup(),
  };
}

export async function registerCatalogRoutes(app: FastifyInstance): Promise<void> {
  const tag = (summary: string, extra: Record<string, unknown> = {}) => ({
    schema: { tags: ['task sequences'], summary, security: [{ session: [], csrf: [] }], ...extra },
  });
  const catalog = stepTypesResponse();
  app.get('/api/step-types', tag('The editor catalog: step types, their fields and defaults, condition types'), async () => catalog);
}
