import type { MessageKey } from '../i18n/catalog';

/** The console's screens (issue #13), in navigation order. */
export const SCREENS: ReadonlyArray<{ path: string; label: MessageKey }> = [
  { path: '/', label: 'screen.overview' },
  { path: '/journeys', label: 'screen.journeys' },
  { path: '/templates', label: 'screen.templates' },
  { path: '/segments', label: 'screen.segments' },
  { path: '/customers', label: 'screen.customers' },
  { path: '/messages', label: 'screen.messages' },
  { path: '/sending', label: 'screen.sending' },
  { path: '/analytics', label: 'screen.analytics' },
  { path: '/settings', label: 'screen.settings' },
];
