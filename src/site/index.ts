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
