// What the console's Task Sequence Editor needs from the server besides the documents: the step
// catalog (Add menu, Properties tab fields, a new step of each type), the condition types of
// Options › Add Condition, and the checks it shows before saving. The console holds no copy of
// any of it; the data comes from the domain's one catalog (src/tasksequence/step-types.ts).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { ADD_MENU_CATEGORIES, TS_REQUEST_BODY_BYTES } from '../../tasksequence/index.ts';
import { checkDocumentShape } from './document-shape.ts';
import { EXPRESSION_CATALOG, newExpression, newGroup, newStep, STEP_CATALOG, validateDocument } from './ts-document.ts';

const CheckBody = Type.Object({
  sequence: Type.Object({ children: Type.Array(Type.Unknown()) }, { additionalProperties: true }),
  /** The package ids the document may reference (the editor's package list). */
  packageIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10000 }),
});

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
  app.post(
    '/api/task-sequences/check',
    {
      ...tag('Check a document as the editor does before saving (nothing is stored)', { body: CheckBody }),
      bodyLimit: TS_REQUEST_BODY_BYTES,
    },
    async (req) => {
      const b = req.body as Static<typeof CheckBody>;
      return validateDocument(checkDocumentShape(b.sequence), new Set(b.packageIds));
    },
  );
}
