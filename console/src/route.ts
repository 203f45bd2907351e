// Hash routes (`#/task-sequences/12`): the server only ever serves index.html and the bundle. The
// shell (App.tsx) reads the route; pages navigate with `go` — kept apart so pages need not import
// the shell that imports them.
import { useEffect, useState } from 'react';

/** The current hash route, split into its decoded parts; re-renders on `hashchange`. */
export function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

/** Navigate to the route made of `parts` (each encoded). */
export const go = (...parts: string[]) => {
  location.hash = `#/${parts.map(encodeURIComponent).join('/')}`;
};
