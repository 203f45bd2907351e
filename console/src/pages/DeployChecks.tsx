// The Deploy wizard's pre-flight: what this sequence would get wrong on this collection's
// computers (a restore-only sequence where no association names the computer as destination,
// a capture on a computer that is only a destination), said before the deployment exists.
import { api } from '../api.ts';
import { useLoad } from '../ui.tsx';

export function DeployChecks({ taskSequenceId, collectionId }: { taskSequenceId: string; collectionId: string }) {
  const check = useLoad(
    () =>
      api<{ warnings: string[] }>(
        'GET',
        `/api/deployments/check?taskSequenceId=${encodeURIComponent(taskSequenceId)}&collectionId=${encodeURIComponent(collectionId)}`,
      ),
    [taskSequenceId, collectionId],
  );
  const warnings = check.data?.warnings ?? [];
  if (warnings.length === 0) return null;
  return (
    <div className="deploy-warnings" role="alert" aria-label="Before you deploy">
      <strong>Before you deploy:</strong>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}
