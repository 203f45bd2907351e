// The agent's HTTP client for the site's agent API (bearer credential). Network failures become
// FERRY_E_SITE_UNREACHABLE; coded error bodies are rethrown with their code.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, type ErrorCode } from '../errors/index.ts';
import { sha256File } from '../smp/index.ts';
import type { StatusInput } from '../site/index.ts';
import type { TaskSequence } from '../tasksequence/index.ts';

/** One deployment in the computer's policy: which task sequence, available or required, and its state. */
export interface PolicyDeployment {
  id: string;
  taskSequenceId: string;
  taskSequenceName: string;
  purpose: 'available' | 'required';
  state: string;
  due: boolean;
}

/** A deployment as the agent runs it: the task sequence, its variables and how to reach its SMP. */
export interface DeploymentDetail {
  deployment: { id: string; purpose: string; collectionId: string };
  taskSequence: { id: string; name: string; version: number; sequence: TaskSequence };
  variables: Record<string, string>;
  /** Names among `variables` whose values are secret (hidden on the site): masked in logs and events. */
  hiddenVariables?: string[];
  smp: { servers: string[]; credential: string; expiresAt: string } | null;
  /** The site's packages; an image package's `source` is `file:<path on the site>`. */
  packages?: { id: string; kind: string; source: string }[];
}

/** The running step's progress, as the console shows it. */
export interface RunProgress {
  step: string;
  /** 1-based position of the step among the sequence's steps, and their number. */
  stepIndex: number;
  stepCount: number;
  phase?: string;
  percent?: number;
  bytesDone?: number;
  bytesTotal?: number;
  etaSeconds?: number;
  running: boolean;
}

/**
 * The agent's HTTP client for the site's agent API; network failures become FERRY_E_SITE_UNREACHABLE
 * and coded error bodies are rethrown with their code.
 */
export class SiteClient {
  readonly site: string;
  readonly #credential: string | undefined;

  constructor(site: string, credential?: string) {
    this.site = site.replace(/\/+$/, '');
    this.#credential = credential;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.site}${path}`, {
        method,
        headers: {
          ...(this.#credential ? { authorization: `Bearer ${this.#credential}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new FerryError('FERRY_E_SITE_UNREACHABLE', `Cannot reach the site at ${this.site}: ${(err as Error).message}.`, {
        cause: err,
        details: { site: this.site },
      });
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const code =
        typeof data.code === 'string' && data.code.startsWith('FERRY_E_') ? (data.code as ErrorCode) : 'FERRY_E_SITE_UNREACHABLE';
      throw new FerryError(code, String(data.message ?? `The site answered HTTP ${res.status}.`), {
        details: { status: res.status, path },
      });
    }
    return data as T;
  }

  register(name: string, enrollToken: string): Promise<{ computerId: string; credential: string }> {
    return this.#call('POST', '/api/agent/register', { name, enrollToken });
  }

  policy(): Promise<{ computer: { id: string; name: string }; deployments: PolicyDeployment[] }> {
    return this.#call('GET', '/api/agent/policy');
  }

  deployment(id: string): Promise<DeploymentDetail> {
    return this.#call('GET', `/api/agent/deployments/${encodeURIComponent(id)}`);
  }

  requestRun(id: string): Promise<unknown> {
    return this.#call('POST', `/api/agent/deployments/${encodeURIComponent(id)}/request`, {});
  }

  /**
   * Fetch an operating system image package's WIM into `dir` (`<id>.wim`): resumed from the
   * `.part` left by an interrupted download (Range), checked against the site's SHA-256, kept
   * for the next run while it matches.
   */
  async downloadOsImage(id: string, dir: string): Promise<string> {
    const url = `${this.site}/api/agent/os-images/${encodeURIComponent(id)}/content`;
    const dest = join(dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.wim`);
    const part = `${dest}.part`;
    const get = async (range?: number): Promise<Response> => {
      let res: Response;
      try {
        res = await fetch(url, {
          headers: {
            ...(this.#credential ? { authorization: `Bearer ${this.#credential}` } : {}),
            ...(range ? { range: `bytes=${range}-` } : {}),
          },
        });
      } catch (err) {
        throw new FerryError('FERRY_E_SITE_UNREACHABLE', `Cannot reach the site at ${this.site}: ${(err as Error).message}.`, {
          cause: err,
          details: { site: this.site },
        });
      }
      if (!res.ok && res.status !== 416) {
        const data = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        const code =
          typeof data.code === 'string' && data.code.startsWith('FERRY_E_') ? (data.code as ErrorCode) : 'FERRY_E_SITE_UNREACHABLE';
        throw new FerryError(code, data.message ?? `The site answered HTTP ${res.status} for image package ${id}.`, {
          details: { status: res.status, id },
        });
      }
      return res;
    };
    mkdirSync(dir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      const offset = existsSync(part) ? statSync(part).size : 0;
      const res = await get(offset);
      const sha = res.headers.get('x-ferry-sha256') ?? '';
      if (existsSync(dest) && existsSync(`${dest}.sha256`) && readFileSync(`${dest}.sha256`, 'utf8') === sha) {
        await res.body?.cancel();
        return dest;
      }
      if (res.status === 416) {
        rmSync(part, { force: true });
        continue;
      }
      if (!res.body) throw new FerryError('FERRY_E_SITE_UNREACHABLE', `The site sent no content for image package ${id}.`);
      await pipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
        createWriteStream(part, { flags: res.status === 206 ? 'a' : 'w', mode: 0o600 }),
      );
      if ((await sha256File(part)) === sha) {
        renameSync(part, dest);
        writeFileSync(`${dest}.sha256`, sha);
        return dest;
      }
      rmSync(part, { force: true });
    }
    throw new FerryError(
      'FERRY_E_OSIMAGE_CORRUPT',
      `Image package ${id} did not arrive intact from ${this.site} (SHA-256 mismatch three times).`,
      { details: { id } },
    );
  }

  status(id: string, messages: StatusInput[]): Promise<unknown> {
    return this.#call('POST', `/api/agent/deployments/${encodeURIComponent(id)}/status`, { messages });
  }

  /** Upload a capture or restore report (the parsed `<log>.report.json`). */
  report(id: string, kind: 'capture' | 'restore', report: unknown): Promise<unknown> {
    return this.#call('PUT', `/api/agent/deployments/${encodeURIComponent(id)}/reports/${kind}`, report);
  }

  progress(id: string, progress: RunProgress): Promise<unknown> {
    return this.#call('POST', `/api/agent/deployments/${encodeURIComponent(id)}/progress`, progress);
  }
}
