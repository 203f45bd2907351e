// The site's domain: the rules of the site server that need no HTTP, kept apart from the routes
// (src/server/site) and from the database access (src/db). See docs/architecture.md.

/** Task sequence documents received over HTTP: the schema and its check with clear messages. */
export { parseSequenceDocument, SequenceDocumentSchema } from './sequence-document.ts';
/** Names, variables, collection rules, hidden values and when a deployment is due. */
export {
  checkName,
  checkVariables,
  isDue,
  keepHidden,
  maskVars,
  notFound,
  wildcard,
  type Assignment,
  type CollectionRule,
  type Purpose,
  type Rerun,
  type RunRow,
  type StatusInput,
  type Variable,
} from './rules.ts';
/** Status message ids and texts (deploy-and-monitor.md §4.2) and the Monitoring categories. */
export {
  categoryOf,
  DEPLOYMENT_CATEGORIES,
  stateAfter,
  statusText,
  STATUS_MESSAGES,
  type DeploymentCategory,
  type StatusKind,
} from './status-messages.ts';
/** Secrets at rest: the site key and the authenticated encryption of hidden values. */
export { loadSiteKey, SecretBox } from './secret-box.ts';
/** Operating system image packages (WIM files read with wiminfo). */
export { OS_IMAGE_KIND, OsImages, type OsImagePackage, type PackageRecords } from './os-images.ts';
/** Task sequence documents as the site stores them and the console edits them: the catalogs, the
 * wizard templates, the checks before save, hidden passwords, XML import and export. */
export {
  countSteps,
  EXPRESSION_CATALOG,
  imagePackageTemplate,
  newExpression,
  newGroup,
  newSequence,
  newStep,
  STEP_CATALOG,
  validateDocument,
  type ExpressionSpec,
  type TemplateOptions,
  type TsProblem,
} from './ts-document.ts';
export { hasClearPasswords, maskPasswords, openPasswords, sealPasswords, withoutMarkers } from './ts-secrets.ts';
export { userStateTemplate, type UserStateTemplate } from './ts-templates.ts';
export { exportSequenceXml, importSequenceXml } from './ts-xml.ts';
