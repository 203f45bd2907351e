// Small text algorithms every part shares: the one wildcard matcher and the one way untrusted XML
// is parsed (DTDs refused by the parser itself).
export {
  compileWildcard,
  wildcardMatch,
  GLOB,
  STAR_ONLY,
  WQL_LIKE,
  type WildcardOptions,
  type WildcardSyntax,
  type WildcardTest,
} from './wildcard.ts';
export { parseXmlRefusingDtd, type XmlParseResult } from './xml.ts';
