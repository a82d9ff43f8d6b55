import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { AnalyticsSettingsPage } from './analytics/analytics-settings-page';
import { OverviewPage } from './analytics/overview-page';
import { ShopAnalyticsPage } from './analytics/shop-analytics-page';
import { ApiError } from './api/api-error';
import { ApiKeysPage } from './api-keys/api-keys-page';
import { LanguageProvider } from './i18n/i18n';
import { SegmentEditorPage } from './segments/segment-editor-page';
import { SegmentsPage } from './segments/segments-page';
import { journeyRoutes } from './journeys/journey-routes';
import { CustomerPage } from './customers/customer-page';
import { CustomersPage } from './customers/customers-page';
import { MessagePage } from './messages/message-page';
import { MessagesPage } from './messages/messages-page';
import { SendingLayout } from './sending/sending-layout';
import { SendingPage } from './sending/sending-page';
import { SuppressionsPage } from './sending/suppressions-page';
import { RequireSession } from './session/require-session';
import { SetupPage } from './session/setup-page';
import { SignInPage } from './session/sign-in-page';
import { SESSION_KEY } from './session/use-session';
import { AccountPage } from './settings/account-page';
import { SettingsLayout } from './settings/settings-layout';
import { AppShell } from './shell/app-shell';
import { NotFoundPage } from './shell/not-found-page';
import { TemplateEditorPage } from './templates/template-editor-page';
import { TemplatesPage } from './templates/templates-page';
import { UsersPage } from './users/users-page';

/** A 401 anywhere means the session ended (expired, signed out elsewhere, disabled): back to sign-in. */
const onError = (error: unknown) => {
  if (error instanceof ApiError && error.status === 401 && error.code === 'UNAUTHENTICATED') {
    queryClient.setQueryData(SESSION_KEY, null);
  }
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: { queries: { refetchOnWindowFocus: true, retry: 1 } },
});

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <LanguageProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/setup" element={<SetupPage />} />
            <Route
              element={
                <RequireSession>
                  <AppShell />
                </RequireSession>
              }
            >
              <Route path="/" element={<OverviewPage />} />
              {journeyRoutes()}
              <Route path="/customers" element={<CustomersPage />} />
              <Route path="/customers/:customerId" element={<CustomerPage />} />
              <Route path="/messages" element={<MessagesPage />} />
              <Route path="/messages/:id" element={<MessagePage />} />
              <Route path="/sending" element={<SendingLayout />}>
                <Route index element={<SendingPage />} />
                <Route path="suppressions" element={<SuppressionsPage />} />
              </Route>
              <Route path="/analytics" element={<ShopAnalyticsPage />} />
              <Route path="/templates" element={<TemplatesPage />} />
              <Route path="/templates/:id" element={<TemplateEditorPage />} />
              <Route path="/segments" element={<SegmentsPage />} />
              <Route path="/segments/new" element={<SegmentEditorPage />} />
              <Route path="/segments/:id" element={<SegmentEditorPage />} />
              <Route path="/settings" element={<SettingsLayout />}>
                <Route index element={<AccountPage />} />
                <Route path="users" element={<UsersPage />} />
                <Route path="api-keys" element={<ApiKeysPage />} />
                <Route path="analytics" element={<AnalyticsSettingsPage />} />
              </Route>
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </LanguageProvider>
    </QueryClientProvider>
  );
}
