// The console's only channel to the site: JSON over the REST API, with the CSRF header from
// the `ferry_csrf` cookie on state-changing calls and coded errors turned into ApiError.
import type { MigrationReport } from '../../src/report/model.ts';
import type { TaskSequence } from '../../src/tasksequence/model.ts';

export type { MigrationReport } from '../../src/report/model.ts';

export type {
  Condition,
  ConditionExpression,
  ConditionOperator,
  Group,
  KnownStep,
  SequenceNode,
  Step,
  TaskSequence,
} from '../../src/tasksequence/model.ts';

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

/** A problem the editor shows, at an item of the tree (index path) and maybe one property. */
export interface TsProblem {
  path: number[];
  property?: string;
  severity: 'error' | 'warning';
  message: string;
}
export interface TsSummary {
  id: string;
  name: string;
  description: string;
  version: number;
  updatedAt: string;
  deployments: number;
  steps: number;
  errors: number;
}
export interface TsFull {
  id: string;
  name: string;
  description: string;
  version: number;
  updatedAt: string;
  document: TaskSequence;
  problems: TsProblem[];
}
export interface Package {
  id: string;
  name: string;
  description: string;
  kind: string;
}
export interface OsImage {
  id: string;
  name: string;
  description: string;
  path: string;
  size: number;
  sha256: string;
  images: { index: number; name: string; description: string; edition: string; architecture: string; size: number; fileCount: number }[];
  error?: string;
}
export interface Variable {
  name: string;
  value: string;
  hidden: boolean;
}
/** A computer registered with the site, as `GET /api/computers` lists it. */
export interface SiteComputer {
  id: string;
  name: string;
  revoked: boolean;
  registeredAt: string;
  lastSeen: string | null;
  variables: Variable[];
}
export interface Collection {
  id: string;
  name: string;
  description: string;
  rule: { namePattern: string };
  directMembers: string[];
  members: string[];
  variables: Variable[];
}
export type Category = 'Success' | 'In Progress' | 'Error' | 'Requirements Not Met' | 'Unknown';
export const CATEGORIES: Category[] = ['Success', 'In Progress', 'Error', 'Requirements Not Met', 'Unknown'];
export interface Deployment {
  id: string;
  taskSequenceId: string;
  taskSequenceName: string;
  collectionId: string;
  collectionName: string;
  purpose: 'available' | 'required';
  availableAt: string;
  expiresAt: string | null;
  schedule: ({ kind: 'asap' } | { kind: 'at'; at: string })[];
  rerun: string;
  comments: string;
  targets: number;
  counts: Record<Category, number>;
  compliance: number;
}
export interface ComputerStatus {
  computerId: string;
  computerName: string;
  category: Category;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  message: string;
}
export interface StatusMessage {
  messageId: number;
  severity: string;
  component: string;
  step: number | null;
  groupName: string;
  actionName: string;
  exitCode: number | null;
  actionOutput: string;
  text: string;
  executionTime: string;
}

/** A capture or restore report as the site stores it for one computer. */
export interface StoredReport {
  kind: 'capture' | 'restore';
  receivedAt: string;
  report: MigrationReport;
}

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
