// The README cannot rot: every command of its "Quick tour" section (indented or fenced shell
// blocks, one command per line, a trailing `\` continues it) runs here in order, from the
// repository folder as a reader would run them, with the tour's /tmp/ paths moved into a fresh
// temporary folder. A command ending in `# exit code N` must exit N, every other one 0; none may
// print a warning (the sample volumes cause none). The long-running `ferry serve` is started,
// must print its console sign-in link and answer on it, and is stopped. The first command goes
// through npx itself (it finds the package's own bins); the later ones through a shim that runs
// the same package.json `bin` entry, by its shebang as npx does, without npm's own start-up
// (~0.8 s of CPU each; test/usmt.test.ts runs the other bins' aliases too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The commands of the README's "Quick tour" section, continuation lines joined. */
export function tourCommands(readme: string): string[] {
  const section = /^## Quick tour\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const lines: string[] = [];
  let fenced = false;
  for (const line of section.split('\n')) {
    if (/^```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) lines.push(line);
    else if (/^ {4}\S/.test(line) || (/^ {4,}\S/.test(line) && lines.at(-1)?.endsWith('\\'))) lines.push(line.slice(4));
    else if (line.trim() !== '' || !lines.at(-1)?.endsWith('\\')) lines.push('');
  }
  const commands: string[] = [];
  let current = '';
  for (const line of lines) {
    if (!line.trim()) continue;
    current += current ? ` ${line.trim()}` : line.trim();
    if (current.endsWith('\\')) current = current.slice(0, -1).trimEnd();
    else {
      commands.push(current);
      current = '';
    }
  }
  return commands;
}

test('the README tour parses into commands', () => {
  const commands = tourCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(commands.length >= 10, commands.join('\n'));
  assert.ok(commands[0]!.startsWith('npx ferry sample-volume '), 'the tour starts by making a sample volume');
  assert.ok(
    commands.some((c) => c.includes("'C:\\Users\\alice\\Documents' 'C:\\pagefile.sys'")),
    'a continued command is joined',
  );
  assert.ok(
    commands.every((c) => c.startsWith('npx ')),
    commands.join('\n'),
  );
});

const env = { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`, NO_COLOR: '1' };

/**
 * A folder holding an `npx` that runs the package's own bins (package.json `bin`) as npx resolves
 * them — the file itself, so its shebang and mode count — and nothing else.
 */
function npxShim(dir: string): string {
  const bins = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  const cases = Object.entries(bins).map(([name, file]) => `  ${name}) shift; exec ${JSON.stringify(join(ROOT, file))} "$@";;`);
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, 'npx');
  writeFileSync(
    shim,
    ['#!/bin/sh', 'case "$1" in', ...cases, '  *) echo "npx shim: $1 is not a bin of this package" >&2; exit 127;;', 'esac', ''].join('\n'),
  );
  chmodSync(shim, 0o755);
  return dir;
}

/** Start `ferry serve`, wait for its sign-in link, fetch it, stop the server and its agents. */
async function serve(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn('bash', ['-c', `exec ${command} --port 0`], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  try {
    const link = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no sign-in link after 120 s:\n${out}`)), 120_000);
      const check = (): void => {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          done(m[1]!);
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => fail(new Error(`ferry serve exited (${code}) before printing its link:\n${out}`)));
    });
    const signIn = await fetch(link, { redirect: 'manual' });
    assert.equal(signIn.status, 303, `GET ${link}`);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await fetch(new URL('/', link), { headers: { cookie } });
    assert.equal(page.status, 200, 'the console, signed in');
    assert.match(await page.text(), /<script/i);
    // The local agents start and enroll: wait for each one's "Registered NAME" (a warning they
    // print on the way is in `out` by then), not for a fixed time.
    const names = [...command.matchAll(/--agent\s+([^=\s]+)=/g)].map((m) => m[1]!);
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`agents ${names.join(', ')} not registered after 120 s:\n${out}`)), 120_000);
      const check = (): void => {
        if (names.every((n) => new RegExp(`^Registered ${n} with `, 'm').test(out))) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => fail(new Error(`ferry serve exited (${code}) before its agents registered:\n${out}`)));
      check();
    });
    return out;
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

test('every command of the README tour runs as written', { timeout: 900_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'ferry-readme-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const commands = tourCommands(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((c) => c.replaceAll('/tmp/', `${work}/`));
  const shimmed = { ...env, PATH: `${npxShim(join(work, '.npx-shim'))}:${env.PATH}` };
  for (const [i, command] of commands.entries()) {
    const expected = Number(/#\s*exit code (\d+)\s*$/.exec(command)?.[1] ?? 0);
    const cmdEnv = i === 0 ? env : shimmed;
    const started = performance.now();
    let output: string;
    if (/^npx ferry serve\b/.test(command)) output = await serve(command, cmdEnv);
    else {
      const r = spawnSync('bash', ['-c', command], { cwd: ROOT, env: cmdEnv, encoding: 'utf8', timeout: 300_000, maxBuffer: 256 << 20 });
      output = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, expected, `${command}\nexit ${r.status}\n${output.slice(-3000)}`);
    }
    t.diagnostic(`${((performance.now() - started) / 1000).toFixed(1)} s  ${cmdEnv === env ? 'npx' : 'shim'}  ${command.slice(0, 100)}`);
    assert.deepEqual(
      output.split('\n').filter((l) => /\bFERRY_W_|\bwarning\b/i.test(l) && !/npm warn/i.test(l)),
      [],
      command,
    );
  }
});
