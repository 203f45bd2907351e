// Collection / device variables table (hidden values are never sent back by the server).
import { useState } from 'react';
import type { Variable } from '../api.ts';

export function VariablesEditor({ initial, onSave }: { initial: Variable[]; onSave: (v: Variable[]) => void }) {
  const [vars, setVars] = useState<Variable[]>(initial);
  const set = (i: number, v: Partial<Variable>) => setVars(vars.map((x, j) => (i === j ? { ...x, ...v } : x)));
  return (
    <div className="form">
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Value</th>
            <th>Do not display this value</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {vars.map((v, i) => (
            <tr key={i}>
              <td>
                <input aria-label="Variable name" value={v.name} onChange={(e) => set(i, { name: e.target.value })} />
              </td>
              <td>
                <input
                  aria-label="Variable value"
                  type={v.hidden ? 'password' : 'text'}
                  placeholder={v.hidden ? '(unchanged)' : ''}
                  value={v.value}
                  onChange={(e) => set(i, { value: e.target.value })}
                />
              </td>
              <td>
                <input aria-label="Hidden" type="checkbox" checked={v.hidden} onChange={(e) => set(i, { hidden: e.target.checked })} />
              </td>
              <td>
                <button type="button" className="link" onClick={() => setVars(vars.filter((_, j) => j !== i))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="buttons">
        <button type="button" onClick={() => setVars([...vars, { name: '', value: '', hidden: false }])}>
          Add variable
        </button>
        <button type="button" className="primary" onClick={() => onSave(vars)}>
          Save variables
        </button>
      </div>
    </div>
  );
}
