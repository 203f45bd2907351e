// `ferry plan --offlinewindir DIR /i:… [--json]`: every object that would migrate, with totals
// per user and per component; nothing is written (the basis of ScanState /p).
import { EventStream, print, terminal } from '../events/index.ts';
import { count, newSummary, openPlanning, type Totals } from '../migxml/index.ts';
import { isInStore, parseRuleOptions, reportError, storeExclusion } from './rule-options.ts';

const USAGE =
  'Usage: ferry plan --offlinewindir DIR /i:RULES.xml [/i:…] [/config:Config.xml] [/ue:… /ui:… /uel:…] [--store STOREPATH] [--json]';

const fmt = (t: Totals) => `${t.files} files, ${t.folders} folders, ${t.registry} registry, ${t.ini} INI, ${t.bytes} bytes`;

/** `ferry plan`: every object that would migrate, with totals; writes nothing. Returns the exit code (USMT's for errors). */
export async function run(argv: string[]): Promise<number> {
  try {
    const { args, input } = parseRuleOptions(argv, USAGE);
    if (args.help) {
      print(USAGE);
      return 0;
    }
    if (args.positionals.length) {
      terminal().stderr.write(`FERRY_E_INVALID_ARGUMENT: unexpected argument "${args.positionals[0]}".\n${USAGE}\n`);
      return 11;
    }
    const events = new EventStream();
    events.on((e) => {
      if (e.type !== 'warning') return;
      if (args.json) terminal().stdout.write(`${JSON.stringify({ warning: { code: e.code, message: e.message } })}\n`);
      else terminal().stderr.write(`warning ${e.code}: ${e.message}\n`);
    });
    const { engine } = await openPlanning({ ...input, events });
    const summary = newSummary();
    const store = storeExclusion(args, input.windowsDir);
    let inStore = 0;
    try {
      for await (const o of engine.objects()) {
        if (isInStore(store, o.winPath)) {
          inStore++;
          if (args.json) terminal().stdout.write(`${JSON.stringify({ kind: o.kind, path: o.winPath, excluded: store!.reason })}\n`);
          continue;
        }
        count(summary, o);
        const user = o.user ? `${o.user.domain}\\${o.user.userName}` : null;
        const path = o.winPath ?? o.regLocation!;
        // A file or folder several components send to different places is written to each (as explain lists them).
        const onDisk = o.kind === 'file' || o.kind === 'dir';
        const destinations = onDisk && o.inclusions.length ? engine.allDestinations(path, o.kind === 'dir', o.inclusions) : [o.destination];
        if (args.json) {
          const rule = { file: o.rule.file, component: o.rule.component, kind: o.rule.kind, pattern: o.rule.pattern };
          terminal().stdout.write(
            JSON.stringify({
              kind: o.kind,
              path,
              user,
              component: o.component,
              rule,
              destination: o.destination,
              ...(destinations.length > 1 ? { destinations } : {}),
              size: o.entry?.size ?? null,
            }) + '\n',
          );
        } else {
          const moved = destinations.length > 1 || destinations[0] !== path;
          terminal().stdout.write(
            `${o.kind.padEnd(8)} ${path}${moved ? ` -> ${destinations.join(', ')}` : ''}  [${user ?? 'System'}: ${o.component}]\n`,
          );
        }
      }
    } finally {
      engine.close();
    }
    if (args.json) {
      const obj = (m: Map<string, Totals>) => Object.fromEntries(m);
      terminal().stdout.write(
        JSON.stringify({
          totals: { total: summary.total, byUser: obj(summary.byUser), byComponent: obj(summary.byComponent) },
          ...(store ? { excludedStore: { path: store.display, objects: inStore, reason: store.reason } } : {}),
        }) + '\n',
      );
    } else {
      const lines = ['', `Total: ${summary.total.objects} objects (${fmt(summary.total)})`];
      if (store) lines.push(`Excluded: ${inStore} objects ${store.reason}.`);
      lines.push('Per user:');
      for (const [u, t] of summary.byUser) lines.push(`  ${u}: ${fmt(t)}`);
      lines.push('Per component:');
      for (const [c, t] of summary.byComponent) lines.push(`  ${c}: ${fmt(t)}`);
      terminal().stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
