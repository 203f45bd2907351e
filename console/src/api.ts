// The console's only channel to the site: JSON over the REST API, with the CSRF header from
// the `ferry_csrf` cookie on state-changing calls and coded errors turned into ApiError.
import type { Category, StoredReport, TsFull } from '../../src/server/site/api-schema.ts';

// The REST API's types come from its schemas (type-only: nothing of the server is bundled).
export type {
  AuditEntry,
  Category,
  Collection,
  ComputerStatus,
  Deployment,
  OsImage,
  Package,
  Progress,
  Recovery,
  ResetToken,
  SiteComputer,
  SmpAssociation,
  SmpFolder,
  SmpSettings,
  SmpStore,
  StatusMessage,
  StoredReport,
  TsFull,
  TsProblem,
  TsSummary,
  Variable,
} from '../../src/server/site/api-schema.ts';

// The task sequence document as the API carries it, and its parts.
export type TaskSequence = TsFull['document'];
export type SequenceNode = TaskSequence['children'][number];
export type Group = Extract<SequenceNode, { kind: 'group' }>;
export type Step = Extract<SequenceNode, { kind: 'step' }>;
export type KnownStep = Extract<Step, { properties: unknown }>;
export type Condition = NonNullable<SequenceNode['condition']>;
export type ConditionOperator = Extract<Condition, { kind: 'operator' }>;
export type ConditionExpression = Exclude<Condition, ConditionOperator>;
export type MigrationReport = StoredReport['report'];

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function csrf(): string {
  const m = /(?:^|;\s*)ferry_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // A File/Blob goes as it is (an uploaded image); anything else as JSON.
  const raw = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json';
  if (method !== 'GET') headers['x-ferry-csrf'] = csrf();
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: raw ? (body as Blob) : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    const d = (typeof data === 'object' && data) || {};
    throw new ApiError(res.status, d.code ?? 'FERRY_E_INTERNAL', d.message ?? `HTTP ${res.status}`, d.details ?? {});
  }
  return data as T;
}

export const CATEGORIES: Category[] = ['Success', 'In Progress', 'Error', 'Requirements Not Met', 'Unknown'];

/** Re-run `load` whenever the server reports a change (server-sent events), plus a slow poll. */
export function subscribeChanges(onChange: () => void): () => void {
  const es = new EventSource('/api/events');
  es.addEventListener('change', () => onChange());
  const timer = setInterval(onChange, 5000);
  return () => {
    es.close();
    clearInterval(timer);
  };
}
