// Secrets on a USMT command line — the `/key:` text, the `/keyfile:` file's key and the `/lac:`
// password — never reach a log, the progress log, an event or the console. The command line is
// masked by its structure (so even a one-letter key is hidden), and every line written anywhere
// is also scrubbed of the secret values themselves (a key quoted back in an error message).

export const MASK = '********';
/** Options whose value is a secret. `/lac` takes its password only inline (`/lac:pw`). */
const SECRET_OPTIONS = new Set(['key', 'lac']);
/** Values shorter than this are masked on the command line only: scrubbing "a" from every line would wreck the log. */
const MIN_SCRUB_LENGTH = 3;

function optionOf(token: string): { name: string; value: string | undefined } | null {
  const m = /^[/-]([A-Za-z]+)(?::([\s\S]*))?$/.exec(token);
  return m ? { name: m[1]!.toLowerCase(), value: m[2] } : null;
}

/** The secret values given on a command line (inline `/key:v` or `/key v`; `/lac:pw`). */
export function commandLineSecrets(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const o = optionOf(argv[i]!);
    if (!o || !SECRET_OPTIONS.has(o.name)) continue;
    if (o.value !== undefined) out.push(o.value);
    else if (o.name === 'key' && argv[i + 1] !== undefined && !optionOf(argv[i + 1]!)) out.push(argv[++i]!);
  }
  return out.filter((s) => s !== '');
}

/** The command line with the values of secret options replaced by the mask. */
export function maskCommandLine(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const o = optionOf(token);
    if (o && SECRET_OPTIONS.has(o.name) && o.value !== undefined && o.value !== '')
      out.push(`${token.slice(0, token.indexOf(':') + 1)}${MASK}`);
    else if (o && o.name === 'key' && o.value === undefined && argv[i + 1] !== undefined && !optionOf(argv[i + 1]!)) {
      out.push(token, MASK);
      i++;
    } else out.push(token);
  }
  return out;
}

/** Scrubs known secret values out of any text. */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret === undefined) return;
    const s = secret.replace(/^\uFEFF/, '');
    if (s.length >= MIN_SCRUB_LENGTH) this.#secrets.add(s);
  }

  get empty(): boolean {
    return this.#secrets.size === 0;
  }

  mask(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }

  /** JSON of a value with every string in it scrubbed (before escaping, so quotes in a secret do not hide it). */
  json(value: unknown): string {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? this.mask(v) : v));
  }
}
