// The agent's HTTP client for the site's agent API (bearer credential). Network failures become
// FERRY_E_SITE_UNREACHABLE; coded error bodies are rethrown with their code.
import { FerryError, type ErrorCode } from '../errors/index.ts';
import type { TaskSequence } from '../tasksequence/model.ts';

export interface PolicyDeployment {
  id: string;
  taskSequenceId: string;
  taskSequenceName: string;
  purpose: 'available' | 'required';
  state: string;
  due: boolean;
}

export interface DeploymentDetail {
  deployment: { id: string; purpose: string; collectionId: string };
  taskSequence: { id: string; name: string; version: number; sequence: TaskSequence };
  variables: Record<string, string>;
  smp: { servers: string[]; credential: string; expiresAt: string } | null;
}

export type StatusKind =
  | 'tsStarted'
  | 'tsCompleted'
  | 'tsFailed'
  | 'actionCompleted'
  | 'actionFailed'
  | 'actionSkippedCondition'
  | 'actionSkippedDisabled'
  | 'actionSkippedPlatform'
  | 'actionFailureIgnored'
  | 'requirementsNotMet';

export interface StatusMessage {
  kind: StatusKind;
  step?: number;
  groupName?: string;
  actionName?: string;
  exitCode?: number;
  actionOutput?: string;
  time?: string;
}

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
      throw new FerryError('FERRY_E_SITE_UNREACHABLE', `Cannot reach the site at ${this.site}: ${(err as Error).message}.`, { cause: err, details: { site: this.site } });
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const code = typeof data.code === 'string' && data.code.startsWith('FERRY_E_') ? (data.code as ErrorCode) : 'FERRY_E_SITE_UNREACHABLE';
      throw new FerryError(code, String(data.message ?? `The site answered HTTP ${res.status}.`), { details: { status: res.status, path } });
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

  status(id: string, messages: StatusMessage[]): Promise<unknown> {
    return this.#call('POST', `/api/agent/deployments/${encodeURIComponent(id)}/status`, { messages });
  }
}
