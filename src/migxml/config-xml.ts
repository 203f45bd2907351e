// Config.xml (spec §7): `/genconfig` writes the component list of the given rules with
// migrate="yes" (and the commented policy samples USMT writes); `/config` turns components off,
// and carries ErrorControl, HardLinkStoreControl and ProfileControl for the store/apply side.
import type { Element } from '@xmldom/xmldom';
import { FerryError } from '../errors/index.ts';
import type { Component, RuleFile } from './model.ts';
import { allComponents } from './parser.ts';
import { compilePattern, patternMatches, pathSegments, type CompiledPattern } from './pattern.ts';
import { attr, childElements, lineOfNode, loadXmlFile, parseXmlText, textOf, type LoadedXml } from './xml-load.ts';

export interface ConfigComponent {
  readonly displayName: string;
  readonly id: string;
  readonly migrate: boolean;
  readonly children: readonly ConfigComponent[];
}

/** One `<errorControl>` rule: which files or registry locations and error codes are fatal or ignored. */
export interface ErrorRule {
  readonly fatal: boolean;
  /** Win32 error code, or null for any. */
  readonly errorCode: number | null;
  readonly pattern: string;
}

/** One `<changeGroup>` of `<profileControl>`: users of a local group become members of another. */
export interface ChangeGroup {
  readonly from: string;
  readonly to: string;
  readonly appliesTo: 'MigratedUsers' | 'NonmigratedUsers' | 'AllUsers';
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** A parsed Config.xml: which components migrate, which errors are fatal, and profile control. */
export interface MigrationConfig {
  readonly file: string;
  readonly sections: {
    readonly applications: readonly ConfigComponent[];
    readonly documents: readonly ConfigComponent[];
    readonly windowsComponents: readonly ConfigComponent[];
  };
  readonly fileErrors: readonly ErrorRule[];
  readonly registryErrors: readonly ErrorRule[];
  /** HardLinkStoreControl/fileLocked, in document order. */
  readonly hardLinkLocked: readonly { readonly action: 'createHardLink' | 'errorHardLink'; readonly pattern: string }[];
  readonly changeGroups: readonly ChangeGroup[];
  readonly domainMappings: readonly { readonly from: string; readonly to: string }[];
  readonly userMappings: readonly { readonly from: string; readonly to: string }[];
  /** Lower-cased IDs (and display names) with migrate="no". */
  readonly disabled: ReadonlySet<string>;
}

function invalid(file: string, el: Element, why: string): never {
  const line = lineOfNode(el);
  throw new FerryError('FERRY_E_CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: <${el.tagName}>: ${why}`, {
    details: { file, line, element: el.tagName },
  });
}

function parseComponents(file: string, el: Element, disabled: Set<string>, inheritedOff = false): ConfigComponent[] {
  const out: ConfigComponent[] = [];
  for (const c of childElements(el)) {
    if (c.tagName !== 'component') invalid(file, c, `unexpected element inside <${el.tagName}>; only <component> is allowed.`);
    const displayName = attr(c, 'displayname') ?? '';
    const id = attr(c, 'ID') ?? displayName;
    const m = (attr(c, 'migrate') ?? 'yes').trim().toLowerCase();
    if (m !== 'yes' && m !== 'no') invalid(file, c, `migrate="${m}" must be yes or no.`);
    const off = inheritedOff || m === 'no';
    if (off) disabled.add(id.toLowerCase());
    out.push({ displayName, id, migrate: m === 'yes', children: parseComponents(file, c, disabled, off) });
  }
  return out;
}

function parseErrorRules(file: string, el: Element | undefined): ErrorRule[] {
  if (!el) return [];
  return childElements(el).map((r) => {
    if (r.tagName !== 'nonFatal' && r.tagName !== 'fatal') invalid(file, r, 'expected <nonFatal> or <fatal>.');
    const code = (attr(r, 'errorCode') ?? 'any').trim().toLowerCase();
    if (code !== 'any' && !/^\d+$/.test(code)) invalid(file, r, `errorCode="${code}" must be a number or "any".`);
    return { fatal: r.tagName === 'fatal', errorCode: code === 'any' ? null : Number(code), pattern: textOf(r) };
  });
}

const child = (el: Element | undefined, name: string) =>
  el ? childElements(el).find((c) => c.tagName.toLowerCase() === name.toLowerCase()) : undefined;

export function parseConfigDocument(xml: LoadedXml): MigrationConfig {
  const { file, root } = xml;
  if (root.tagName !== 'Configuration') {
    throw new FerryError(
      'FERRY_E_CONFIG_INVALID',
      `${file}: the root element is <${root.tagName}>, expected <Configuration>. Pass rule files with /i and Config.xml with /config.`,
      { details: { file } },
    );
  }
  const disabled = new Set<string>();
  const section = (name: string) => {
    const el = child(root, name);
    return el ? parseComponents(file, el, disabled) : [];
  };
  const sections = {
    applications: section('Applications'),
    documents: section('Documents'),
    windowsComponents: section('WindowsComponents'),
  };
  const policies = child(root, 'Policies') ?? child(root, 'Policy');
  const errorControl = child(policies, 'ErrorControl');
  const fileLocked = child(child(policies, 'HardLinkStoreControl'), 'fileLocked');
  const hardLinkLocked = fileLocked
    ? childElements(fileLocked).map((e) => {
        if (e.tagName !== 'createHardLink' && e.tagName !== 'errorHardLink')
          invalid(file, e, 'expected <createHardLink> or <errorHardLink>.');
        return { action: e.tagName as 'createHardLink' | 'errorHardLink', pattern: textOf(e) };
      })
    : [];
  const profile = child(root, 'ProfileControl');
  const mappings = child(child(profile, 'localGroups'), 'mappings');
  const patterns = (el: Element | undefined) =>
    el
      ? childElements(el)
          .filter((p) => p.tagName === 'pattern')
          .map(textOf)
      : [];
  const changeGroups: ChangeGroup[] = mappings
    ? childElements(mappings).map((g) => {
        const applies = (attr(g, 'appliesTo') ?? 'MigratedUsers').trim();
        const appliesTo = (['MigratedUsers', 'NonmigratedUsers', 'AllUsers'] as const).find(
          (a) => a.toLowerCase() === applies.toLowerCase(),
        );
        if (!appliesTo) invalid(file, g, `appliesTo="${applies}" must be MigratedUsers, NonmigratedUsers or AllUsers.`);
        return {
          from: attr(g, 'from') ?? '*',
          to: attr(g, 'to') ?? '',
          appliesTo: appliesTo!,
          include: patterns(child(g, 'include')),
          exclude: patterns(child(g, 'exclude')),
        };
      })
    : [];
  const pairs = (el: Element | undefined, tag: string) =>
    el
      ? childElements(el)
          .filter((d) => d.tagName === tag)
          .map((d) => ({ from: attr(d, 'from') ?? '', to: attr(d, 'to') ?? '' }))
      : [];
  return {
    file,
    sections,
    fileErrors: parseErrorRules(file, child(errorControl, 'fileError')),
    registryErrors: parseErrorRules(file, child(errorControl, 'registryError')),
    hardLinkLocked,
    changeGroups,
    domainMappings: pairs(child(profile, 'domains'), 'domain'),
    userMappings: pairs(child(profile, 'users'), 'user'),
    disabled,
  };
}

/** Read a `/config:` file (errors → FERRY_E_CONFIG_INVALID, USMT 39). */
export async function loadConfig(file: string): Promise<MigrationConfig> {
  return parseConfigDocument(await loadXmlFile(file, { missingCode: 'FERRY_E_CONFIG_INVALID', malformedCode: 'FERRY_E_CONFIG_INVALID' }));
}

/** Parses Config.xml text (components on or off, error control, profile control); a coded error names the file and line. */
export function parseConfigText(text: string, file = '<inline>'): MigrationConfig {
  return parseConfigDocument(parseXmlText(text, file, 'FERRY_E_CONFIG_INVALID'));
}

/** `migrate="no"` ≡ the component (and what it contains) is not in the XML (§6.5). IDs match case-insensitively. */
export function isComponentDisabled(config: MigrationConfig | undefined, c: Component): boolean {
  return !!config && config.disabled.has(c.id.toLowerCase());
}

/** The first ErrorControl rule matching an object and error code (document order), or null. */
export function errorRuleFor(
  config: MigrationConfig | undefined,
  kind: 'file' | 'registry',
  location: string,
  errorCode: number,
): ErrorRule | null {
  if (!config) return null;
  for (const r of kind === 'file' ? config.fileErrors : config.registryErrors) {
    if (r.errorCode !== null && r.errorCode !== errorCode) continue;
    const p: CompiledPattern = compilePattern(kind === 'file' ? 'File' : 'Registry', r.pattern);
    const segs = pathSegments(location.replace(/\s*\[([^\]]*)\]$/, '\\$1'));
    const leaf = segs.pop() ?? null;
    if (patternMatches(p, segs, leaf) || patternMatches(p, [...segs, ...(leaf ? [leaf] : [])], null)) return r;
  }
  return null;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `/genconfig`: the components of the rule files (detected ones when `present` is given),
 * grouped into Applications and Documents, with nested container children, and the commented
 * policy and profile samples of USMT's output.
 */
export function generateConfig(files: readonly RuleFile[], present?: (c: Component) => boolean): string {
  const sections: Record<'Applications' | 'Documents' | 'WindowsComponents', string[]> = {
    Applications: [],
    Documents: [],
    WindowsComponents: [],
  };
  const render = (c: Component, depth: number): string[] => {
    const pad = '  '.repeat(depth);
    const kids: Component[] = [];
    for (const r of c.roles) for (const k of r.components) if (!present || present(k)) kids.push(k);
    const open = `${pad}<component displayname="${escapeAttr(c.displayName)}" migrate="yes" ID="${escapeAttr(c.id)}"`;
    if (!kids.length) return [`${open}/>`];
    return [`${open}>`, ...kids.flatMap((k) => render(k, depth + 1)), `${pad}</component>`];
  };
  for (const f of files) {
    for (const c of f.components) {
      if (present && !present(c)) continue;
      const section = c.type === 'Application' ? 'Applications' : c.type === 'Documents' ? 'Documents' : 'WindowsComponents';
      sections[section].push(...render(c, 2));
    }
  }
  const block = (name: string, lines: string[]) => (lines.length ? [`  <${name}>`, ...lines, `  </${name}>`] : [`  <${name}/>`]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Configuration>',
    ...block('Applications', sections.Applications),
    ...block('Documents', sections.Documents),
    ...block('WindowsComponents', sections.WindowsComponents),
    '  <Policies>',
    '    <ErrorControl>',
    '      <!--   Example:',
    '',
    '          <fileError>',
    '            <nonFatal errorCode="33">* [*]</nonFatal>',
    '            <fatal errorCode="any">C:\\Users\\* [*]</fatal>',
    '          </fileError>',
    '          <registryError>',
    '            <nonFatal errorCode="5">* [*]</nonFatal>',
    '          </registryError>',
    '      -->',
    '    </ErrorControl>',
    '    <HardLinkStoreControl>',
    '      <!--   Example:',
    '',
    '          <fileLocked>',
    '            <createHardLink>c:\\Users\\* [*]</createHardLink>',
    '            <errorHardLink>C:\\* [*]</errorHardLink>',
    '          </fileLocked>',
    '      -->',
    '    </HardLinkStoreControl>',
    '  </Policies>',
    '  <ProfileControl>',
    '    <!--   Example (local group mapping):',
    '',
    '          <localGroups>',
    '            <mappings>',
    '              <changeGroup from="Administrators" to="Users" appliesTo="MigratedUsers">',
    '                <include>',
    '                  <pattern>DomainName1\\Username</pattern>',
    '                </include>',
    '                <exclude>',
    '                  <pattern>DomainName2\\Username</pattern>',
    '                </exclude>',
    '              </changeGroup>',
    '            </mappings>',
    '          </localGroups>',
    '      -->',
    '    <!--   Example (domain and user mapping):',
    '',
    '          <domains>',
    '            <domain from="Domain1" to="Domain2"/>',
    '          </domains>',
    '',
    '          <users>',
    '            <user from="Domain1\\User1" to="Domain2\\User2"/>',
    '          </users>',
    '      -->',
    '  </ProfileControl>',
    '</Configuration>',
    '',
  ].join('\r\n');
}

/** Every component ID of the rule files (to check a Config.xml against them). */
export function componentIds(files: readonly RuleFile[]): string[] {
  return files.flatMap((f) => [...allComponents(f.components)].map(({ component }) => component.id));
}
