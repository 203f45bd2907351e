// The shape every list page shares: a title, a toolbar of actions on the selected row, the error
// banner, and a table whose rows are selected by a click (or the keyboard), then the details of
// the selection below.
import { type ReactNode, useState } from 'react';
import { ErrorBanner } from './ui.tsx';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** The selected row of a loaded list, by id (kept across reloads). */
export function useSelection<T extends { id: string }>(rows: readonly T[] | undefined) {
  const [selected, setSelected] = useState<string>();
  return { selected, setSelected, sel: rows?.find((r) => r.id === selected) };
}

export function ListTable<T extends { id: string }>({
  rows,
  columns,
  selected,
  onSelect,
  onOpen,
  onEnter,
  empty,
}: {
  rows: readonly T[] | undefined;
  columns: readonly Column<T>[];
  selected: string | undefined;
  onSelect: (id: string) => void;
  /** Double click. */
  onOpen?: (row: T) => void;
  /** Enter on a focused row (default: select it). */
  onEnter?: (row: T) => void;
  /** Shown in one row when the list has loaded empty. */
  empty?: ReactNode;
}) {
  return (
    <table className="grid">
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} className={c.className}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows?.map((r) => (
          <tr
            key={r.id}
            className={r.id === selected ? 'selected' : ''}
            tabIndex={0}
            aria-selected={r.id === selected}
            onClick={() => onSelect(r.id)}
            onDoubleClick={onOpen ? () => onOpen(r) : undefined}
            onKeyDown={(e) => {
              if (e.key === ' ') onSelect(r.id);
              if (e.key === 'Enter') (onEnter ?? ((x: T) => onSelect(x.id)))(r);
            }}
          >
            {columns.map((c, i) => (
              <td key={i} className={c.className}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
        {rows?.length === 0 && empty ? (
          <tr>
            <td colSpan={columns.length} className="empty">
              {empty}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

/** Title, toolbar, error, the list, then whatever the page shows below it. */
export function ListPage({
  title,
  toolbarLabel,
  actions,
  error,
  children,
}: {
  title: string;
  toolbarLabel?: string;
  actions: ReactNode;
  error: unknown;
  children: ReactNode;
}) {
  return (
    <section>
      <h1>{title}</h1>
      <div className="toolbar" role="toolbar" aria-label={toolbarLabel ?? `${title} actions`}>
        {actions}
      </div>
      <ErrorBanner error={error} />
      {children}
    </section>
  );
}
