// The HTTP edges: the site server (console API, agent API) and the SMP server. The CLI and the
// end-to-end suites start them through here.
export { createSite, type Site, type SiteOptions } from './site/app.ts';
export { ConsoleAuth, SESSION_TTL_MS } from './site/auth.ts';
// Re-exported from the site domain for the CLI and the suites that built on these names here.
export { exportSequenceXml, imagePackageTemplate, isDue, newGroup, newSequence, newStep } from '../site/index.ts';
export * from './smp/index.ts';
export { mintSignInLink, recordConsoleUrl } from './site/sign-in-links.ts';
export { buildConsole, consoleBundleState, ensureConsoleBuilt, viteInstalled } from './console/build.ts';
