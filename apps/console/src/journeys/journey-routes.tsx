import { lazy, Suspense, type ReactNode } from 'react';
import { Route } from 'react-router';
import { useT } from '../i18n/i18n';

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
        <Loading>
          <JourneyEditorPage />
        </Loading>
      }
    />,
    <Route
      key="edit"
      path="/journeys/:id/edit"
      element={
        <Loading>
          <JourneyEditorPage />
        </Loading>
      }
    />,
    <Route
      key="simulate"
      path="/journeys/:id/simulate"
      element={
        <Loading>
          <JourneySimulatePage />
        </Loading>
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
