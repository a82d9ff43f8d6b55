import type { MessageKey } from '../i18n/catalog';

/** The console's screens (issue #13), in navigation order; `built: false` shows the "not built yet" panel. */
export const SCREENS: ReadonlyArray<{ path: string; label: MessageKey; built: boolean }> = [
  { path: '/', label: 'screen.overview', built: true },
  { path: '/journeys', label: 'screen.journeys', built: true },
  { path: '/templates', label: 'screen.templates', built: true },
  { path: '/segments', label: 'screen.segments', built: true },
  { path: '/customers', label: 'screen.customers', built: true },
  { path: '/messages', label: 'screen.messages', built: true },
  { path: '/sending', label: 'screen.sending', built: true },
  { path: '/analytics', label: 'screen.analytics', built: true },
  { path: '/settings', label: 'screen.settings', built: true },
];
