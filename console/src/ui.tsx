// Small shared pieces: error banner, modal dialog, async loader (list pages: list.tsx).
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from './api.ts';

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div className="error" role="alert">
      {e.code ? <strong>{e.code}: </strong> : null}
      {e.message ?? String(error)}
    </div>
  );
}

export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div className="backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** Run a change, then reload what it changed; the last error stays for an ErrorBanner. */
export function useAction(defaultReload?: () => void): {
  error: unknown;
  setError: (e: unknown) => void;
  act: (f: () => Promise<unknown>, reload?: () => void) => Promise<void>;
} {
  const [error, setError] = useState<unknown>();
  const act = async (f: () => Promise<unknown>, reload = defaultReload) => {
    setError(undefined);
    try {
      await f();
      reload?.();
    } catch (e) {
      setError(e);
    }
  };
  return { error, setError, act };
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(() => {
    load().then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e) => setError(e),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

export const fmtTime = (s: string | null | undefined) => (s ? new Date(s).toLocaleString() : '—');
