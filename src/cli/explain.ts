// `ferry explain --offlinewindir DIR /i:X.xml … [--json] PATH…`: for each Windows path or
// registry location, the final decision over the System pass and every user pass, the winning
// rule and the destination after locationModify. `--json`: one object per PATH per line.
import { EventStream, print, terminal } from '../events/index.ts';
import { openPlanning } from '../migxml/index.ts';
import { isInStore, parseRuleOptions, reportError, storeExclusion } from './rule-options.ts';

const USAGE =
  'Usage: ferry explain --offlinewindir DIR /i:RULES.xml [/i:…] ' +
  '[/config:Config.xml] [/ue:… /ui:… /uel:…] [--store STOREPATH] [--json] PATH…';

/** `ferry explain`: for each PATH, the final decision, the winning rule and the destination. Returns the exit code (USMT's for errors). */
export async function run(argv: string[]): Promise<number> {
  try {
    const { args, input } = parseRuleOptions(argv, USAGE);
    if (args.help) {
      print(USAGE);
      return 0;
    }
    if (!args.positionals.length) {
      terminal().stderr.write(`FERRY_E_INVALID_ARGUMENT: give at least one PATH (C:\\… or HKCU\\…) to explain.\n${USAGE}\n`);
      return 11;
    }
    const events = new EventStream();
    events.on((e) => {
      if (e.type === 'warning') terminal().stderr.write(`warning ${e.code}: ${e.message}\n`);
    });
    const { engine } = await openPlanning({ ...input, events });
    try {
      const store = storeExclusion(args, input.windowsDir);
      for (const path of args.positionals) {
        if (isInStore(store, /^[A-Za-z]:/.test(path) ? path : undefined)) {
          if (args.json)
            terminal().stdout.write(
              `${JSON.stringify({ path, decision: 'excluded', rule: null, destination: null, reason: store!.reason })}\n`,
            );
          else terminal().stdout.write(`${path}\n  decision:    excluded\n  reason:      ${store!.reason}\n`);
          continue;
        }
        const { decision, destination, destinations } = await engine.explain(path);
        const rule = decision.rule
          ? { file: decision.rule.file, component: decision.rule.component, kind: decision.rule.kind, pattern: decision.rule.pattern }
          : null;
        if (args.json) {
          terminal().stdout.write(
            JSON.stringify({
              path,
              decision: decision.decision,
              rule,
              ...(decision.reason ? { reason: decision.reason } : {}),
              destination,
              ...(destinations ? { destinations } : {}),
            }) + '\n',
          );
          continue;
        }
        const lines = [`${path}`, `  decision:    ${decision.decision}`];
        if (decision.rule) {
          const r = decision.rule;
          lines.push(
            `  rule:        <${r.kind}> ${r.pattern}`,
            `  component:   ${r.component}`,
            `  file:        ${r.file}${r.line ? `:${r.line}` : ''}`,
          );
        }
        if (decision.reason) lines.push(`  reason:      ${decision.reason}`);
        if (decision.inclusions.length)
          lines.push(
            `  passes:      ${decision.inclusions.map((i) => `${i.pass.label} (${i.component.component.displayName})`).join(', ')}`,
          );
        if (destinations) for (const d of destinations) lines.push(`  destination: ${d}`);
        else if (destination) lines.push(`  destination: ${destination}`);
        terminal().stdout.write(`${lines.join('\n')}\n`);
      }
    } finally {
      engine.close();
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
