// Ferry's version, read once from package.json so that the CLI, the API documentation and every
// store's header name the same release.
import { readFileSync } from 'node:fs';

/** Ferry's release (package.json), named by the CLI, the API documentation and every store header. */
export const FERRY_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
