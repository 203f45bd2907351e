// Console shell: a left navigation (the ConfigMgr workspaces Ferry has) and hash routes, so the
// server only ever serves index.html and the bundle.
import { api } from './api.ts';
import { useRoute } from './route.ts';
import { TaskSequencesPage } from './pages/TaskSequences.tsx';
import { EditorPage } from './pages/Editor.tsx';
import { DeployPage } from './pages/Deploy.tsx';
import { MonitoringPage } from './pages/Monitoring.tsx';
import { ComputersPage } from './pages/Computers.tsx';
import { CollectionsPage } from './pages/Collections.tsx';
import { SmpPage } from './pages/Smp.tsx';
import { UserStateMigrationPage } from './pages/UserStateMigration.tsx';
import { OsImagesPage } from './pages/OsImages.tsx';

const NAV: { route: string; label: string; section: string }[] = [
  { route: 'task-sequences', label: 'Task Sequences', section: 'Software Library › Operating Systems' },
  { route: 'os-images', label: 'Operating System Images', section: 'Software Library › Operating Systems' },
  { route: 'monitoring', label: 'Deployments', section: 'Monitoring' },
  { route: 'computers', label: 'Devices', section: 'Assets and Compliance' },
  { route: 'collections', label: 'Device Collections', section: 'Assets and Compliance' },
  { route: 'user-state-migration', label: 'User State Migration', section: 'Assets and Compliance' },
  { route: 'smp', label: 'State Migration Point', section: 'Administration' },
];

export function App() {
  const route = useRoute();
  const [page, ...rest] = route.length ? route : ['task-sequences'];
  let body;
  if (page === 'task-sequences' && rest[0] && rest[1] === 'edit') body = <EditorPage key={`${rest[0]}-edit`} id={rest[0]} />;
  else if (page === 'task-sequences' && rest[0] && rest[1] === 'view') body = <EditorPage key={`${rest[0]}-view`} id={rest[0]} readOnly />;
  else if (page === 'task-sequences' && rest[0] && rest[1] === 'deploy') body = <DeployPage id={rest[0]} />;
  else if (page === 'monitoring') body = <MonitoringPage deploymentId={rest[0]} computerId={rest[1]} />;
  else if (page === 'computers') body = <ComputersPage />;
  else if (page === 'collections') body = <CollectionsPage />;
  else if (page === 'smp') body = <SmpPage />;
  else if (page === 'user-state-migration') body = <UserStateMigrationPage />;
  else if (page === 'os-images') body = <OsImagesPage />;
  else body = <TaskSequencesPage />;
  const sections = [...new Set(NAV.map((n) => n.section))];
  return (
    <div className="shell">
      <nav className="nav" aria-label="Workspaces">
        <div className="brand">Ferry</div>
        {sections.map((s) => (
          <div key={s}>
            <div className="nav-section">{s}</div>
            {NAV.filter((n) => n.section === s).map((n) => (
              <a
                key={n.route}
                href={`#/${n.route}`}
                className={page === n.route ? 'active' : ''}
                aria-current={page === n.route ? 'page' : undefined}
              >
                {n.label}
              </a>
            ))}
          </div>
        ))}
      </nav>
      <main className="main">{body}</main>
      <button
        type="button"
        className="link sign-out"
        onClick={async () => {
          await api('POST', '/api/session/sign-out', {});
          location.reload();
        }}
      >
        Sign out
      </button>
    </div>
  );
}
