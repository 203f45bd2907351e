// Test support: Microsoft's own USMT rule files (MigDocs.xml, MigUser.xml, MigApp.xml,
// Config.xml) are not Ferry's to redistribute, so compatibility tests read them from the folder
// named by FERRY_TEST_MICROSOFT_XML_DIR and are skipped, with this reason, when it is not set.
// (FERRY_USMT_XML_DIR is something else: it replaces the bundled rule files for bare /i: names.)
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = process.env.FERRY_TEST_MICROSOFT_XML_DIR;

/** The folder holding Microsoft's rule files, or null. */
export const MICROSOFT_XML_DIR: string | null = dir ? resolve(dir) : null;

/** `{ skip: MICROSOFT_XML_SKIP }` on a test that needs Microsoft's files: false, or the one-line reason. */
export const MICROSOFT_XML_SKIP: string | false = !MICROSOFT_XML_DIR
  ? "FERRY_TEST_MICROSOFT_XML_DIR is not set (a folder with Microsoft's MigDocs/MigUser/MigApp.xml and Config.xml)"
  : !existsSync(join(MICROSOFT_XML_DIR, 'MigApp.xml'))
    ? `FERRY_TEST_MICROSOFT_XML_DIR=${MICROSOFT_XML_DIR} holds no MigApp.xml`
    : false;

/** Path of one of Microsoft's files (only meaningful when MICROSOFT_XML_SKIP is false). */
export const microsoftXml = (name: string): string => join(MICROSOFT_XML_DIR ?? '/nonexistent', name);
