// How a Run Command Line string becomes a program and an argument list. Windows passes one
// string and the program splits it (CommandLineToArgvW / the MSVC runtime); Ferry splits it the
// same way and then starts the program with the list, never through a shell. Variables are
// expanded inside each argument AFTER splitting, so a value such as `x" & del /q C:\ & "` stays
// one argument and cannot add arguments or commands.

/**
 * Split a Windows command line as CommandLineToArgvW does:
 * - the program name (first token) ends at the closing quote if it starts with `"`, else at the
 *   first space or tab; backslashes in it are literal;
 * - other arguments are separated by spaces/tabs outside quotes; `"` toggles quoting;
 * - 2n backslashes before `"` give n backslashes and the quote toggles; 2n+1 give n backslashes
 *   and a literal `"`; backslashes not before a quote are literal;
 * - inside quotes, `""` is a literal `"` (the MSVC 2008+ rule).
 */
export function splitWindowsCommandLine(line: string): string[] {
  let i = 0;
  const n = line.length;
  while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
  if (i >= n) return [];
  let prog = '';
  if (line[i] === '"') {
    i++;
    while (i < n && line[i] !== '"') prog += line[i++];
    i++;
  } else {
    while (i < n && line[i] !== ' ' && line[i] !== '\t') prog += line[i++];
  }
  return [prog, ...splitArguments(line.slice(i))];
}

/** Split an argument string (no program name) with the same rules as the arguments above. */
export function splitArguments(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    let arg = '';
    let quoted = false;
    while (i < n) {
      const c = line[i]!;
      if (!quoted && (c === ' ' || c === '\t')) break;
      if (c === '\\') {
        let slashes = 0;
        while (i < n && line[i] === '\\') {
          slashes++;
          i++;
        }
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(slashes / 2));
          if (slashes % 2 === 1) {
            arg += '"';
            i++;
          }
        } else arg += '\\'.repeat(slashes);
        continue;
      }
      if (c === '"') {
        if (quoted && line[i + 1] === '"') {
          arg += '"';
          i += 2;
          continue;
        }
        quoted = !quoted;
        i++;
        continue;
      }
      arg += c;
      i++;
    }
    args.push(arg);
  }
  return args;
}
