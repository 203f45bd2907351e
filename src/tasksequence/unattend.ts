// The Windows setup answer file the OS deployment steps write into the applied image, where
// ConfigMgr puts it: C:\Windows\Panther\Unattend\unattend.xml (Windows setup reads that folder
// first). Apply Operating System Image writes a generated one merged with the one its step names
// (the supplied file's values win); Apply Windows Settings and Apply Network Settings set their
// values in it. The administrator password is encoded as Windows setup expects (base64 of the
// UTF-16LE password followed by "AdministratorPassword", PlainText false); no value is logged.
import { randomBytes } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { FerryError } from '../errors/index.ts';

export const UNATTEND_PATH = 'C:\\Windows\\Panther\\Unattend\\unattend.xml';
const NS = 'urn:schemas-microsoft-com:unattend';
const WCM = 'http://schemas.microsoft.com/WMIConfig/2002/State';

export type UnattendPass = 'windowsPE' | 'offlineServicing' | 'generalize' | 'specialize' | 'auditSystem' | 'auditUser' | 'oobeSystem';

export interface UnattendSetting {
  pass: UnattendPass;
  component: string;
  /** Element names below the component, e.g. ['UserAccounts', 'AdministratorPassword', 'Value']. */
  path: string[];
  value: string;
}

/** wimlib's architecture name → the unattend `processorArchitecture`. */
export function unattendArchitecture(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86') return 'x86';
  if (a.startsWith('arm64') || a === 'aarch64') return 'arm64';
  return 'amd64';
}

/** The administrator password as Windows setup expects it in `<AdministratorPassword><Value>`. */
export function encodeAdministratorPassword(password: string): string {
  return Buffer.from(`${password}AdministratorPassword`, 'utf16le').toString('base64');
}

export function randomPassword(): string {
  return randomBytes(18).toString('base64');
}

function parse(text: string, what: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new FerryError('FERRY_E_XML_MALFORMED', `${what} declares a DTD or entities, which Ferry refuses.`);
  let failed: string | undefined;
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== 'warning') failed ??= msg;
    },
  }).parseFromString(text, 'text/xml');
  const root = doc.documentElement;
  if (failed || !root || root.localName !== 'unattend') {
    throw new FerryError(
      'FERRY_E_XML_MALFORMED',
      `${what} is not a Windows answer file (<unattend>): ${failed ?? `root element ${root?.localName ?? 'missing'}`}.`,
    );
  }
  return doc;
}

const children = (el: Element, name: string): Element[] =>
  Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === name);

function component(doc: Document, pass: UnattendPass, name: string, arch: string): Element {
  const root = doc.documentElement!;
  let settings = children(root, 'settings').find((s) => s.getAttribute('pass') === pass);
  if (!settings) {
    settings = doc.createElementNS(NS, 'settings');
    settings.setAttribute('pass', pass);
    root.appendChild(settings);
  }
  let comp = children(settings, 'component').find((c) => c.getAttribute('name') === name);
  if (!comp) {
    comp = doc.createElementNS(NS, 'component');
    comp.setAttribute('name', name);
    comp.setAttribute('processorArchitecture', arch);
    comp.setAttribute('publicKeyToken', '31bf3856ad364e35');
    comp.setAttribute('language', 'neutral');
    comp.setAttribute('versionScope', 'nonSxS');
    comp.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:wcm', WCM);
    settings.appendChild(comp);
  }
  return comp;
}

function set(doc: Document, s: UnattendSetting, arch: string, overwrite: boolean): void {
  let el = component(doc, s.pass, s.component, arch);
  for (const name of s.path) {
    let next = children(el, name)[0];
    if (!next) {
      next = doc.createElementNS(NS, name);
      el.appendChild(next);
    } else if (!overwrite && name === s.path.at(-1)) return;
    el = next;
  }
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(doc.createTextNode(s.value));
}

function archOf(doc: Document): string | undefined {
  for (const s of children(doc.documentElement!, 'settings'))
    for (const c of children(s, 'component')) return c.getAttribute('processorArchitecture') ?? undefined;
  return undefined;
}

const EMPTY = `<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="${NS}"></unattend>`;

/** What Ferry generates for a refresh: setup runs without questions. */
const GENERATED: UnattendSetting[] = [
  { pass: 'oobeSystem', component: 'Microsoft-Windows-Shell-Setup', path: ['OOBE', 'HideEULAPage'], value: 'true' },
  { pass: 'oobeSystem', component: 'Microsoft-Windows-Shell-Setup', path: ['OOBE', 'HideWirelessSetupInOOBE'], value: 'true' },
  { pass: 'oobeSystem', component: 'Microsoft-Windows-Shell-Setup', path: ['OOBE', 'ProtectYourPC'], value: '1' },
];

/** The generated answer file merged with the supplied one (whose values win). */
export function mergeUnattend(supplied: string | undefined, arch: string): string {
  const doc = parse(supplied ?? EMPTY, supplied ? 'The supplied answer file' : 'The generated answer file');
  const a = archOf(doc) ?? arch;
  for (const s of GENERATED) set(doc, s, a, false);
  return serialize(doc);
}

/** Set values in an answer file (Apply Windows / Network Settings: their values win). */
export function setUnattendSettings(text: string | undefined, settings: UnattendSetting[], arch = 'amd64'): string {
  const doc = parse(text ?? EMPTY, 'The answer file in the applied image');
  const a = archOf(doc) ?? arch;
  for (const s of settings) set(doc, s, a, true);
  return serialize(doc);
}

function serialize(doc: Document): string {
  const xml = new XMLSerializer().serializeToString(doc);
  return xml.startsWith('<?xml') ? `${xml}\n` : `<?xml version="1.0" encoding="utf-8"?>\n${xml}\n`;
}
