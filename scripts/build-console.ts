// `npm run build` (and `prepare`, which `npm ci` runs): bundle the web console into console/dist,
// so `ferry serve` needs no devDependency at run time. Without Vite (`npm ci --omit=dev`) it keeps
// whatever bundle is there and says so, instead of failing the install.
import { buildConsole, consoleBundleState, viteInstalled } from '../src/server/console/build.ts';

if (!(await viteInstalled())) {
  console.error(`build: Vite is not installed (devDependencies omitted); console/dist is ${consoleBundleState()}.`);
} else {
  const dir = await buildConsole('warn');
  console.log(`build: web console bundled into ${dir}`);
}
