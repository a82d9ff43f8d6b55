import { lazy, Suspense, type ReactNode } from 'react';
import { Route } from 'react-router';
import { useT } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ForbiddenPanel } from '../ui/forbidden-panel';

// The journeys screens carry the graph, YAML and diff libraries: loaded when first opened.
const JourneysListPage = lazy(() => import('./journeys-list-page').then((m) => ({ default: m.JourneysListPage })));

const JourneyPage = lazy(() => import('./journey-page').then((m) => ({ default: m.JourneyPage })));

const JourneyEditorPage = lazy(() => import('./journey-editor-page').then((m) => ({ default: m.JourneyEditorPage })));

const JourneySimulatePage = lazy(() =>
  import('./journey-simulate-page').then((m) => ({ default: m.JourneySimulatePage })),
);

function Loading({ children }: { children: ReactNode }) {
  const t = useT();
  return <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>{children}</Suspense>;
}

/**
 * Building, editing and simulating are marketers' (the API refuses ops their calls); ops read
 * journeys, so their GETs succeed, and the page says who may use it before anything is typed.
 */
function ForMarketers({ children }: { children: ReactNode }) {
  const role = useSession().data?.user.role;
  return role === 'ops' ? <ForbiddenPanel roles={['marketer']} role={role} /> : children;
}

/** The journeys screens' routes, inside the signed-in shell. */
export function journeyRoutes() {
  return [
    <Route
      key="list"
      path="/journeys"
      element={
        <Loading>
          <JourneysListPage />
        </Loading>
      }
    />,
    <Route
      key="new"
      path="/journeys/new"
      element={
        <ForMarketers>
          <Loading>
            <JourneyEditorPage />
          </Loading>
        </ForMarketers>
      }
    />,
    <Route
      key="edit"
      path="/journeys/:id/edit"
      element={
        <ForMarketers>
          <Loading>
            <JourneyEditorPage />
          </Loading>
        </ForMarketers>
      }
    />,
    <Route
      key="simulate"
      path="/journeys/:id/simulate"
      element={
        <ForMarketers>
          <Loading>
            <JourneySimulatePage />
          </Loading>
        </ForMarketers>
      }
    />,
    <Route
      key="journey"
      path="/journeys/:id"
      element={
        <Loading>
          <JourneyPage />
        </Loading>
      }
    />,
  ];
}
