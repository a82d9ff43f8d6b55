import type { MessageKey } from '../i18n/catalog';
import { useT } from '../i18n/i18n';
import { Page } from '../ui/page';

/** A screen of issue #13 that does not exist yet: says so, and shows no made-up data. */
export function NotBuiltPage({ screen }: { screen: MessageKey }) {
  const t = useT();
  return (
    <Page title={t(screen)}>
      <div className="notice notice-info" role="status">
        <h2>{t('notBuilt.title', { screen: t(screen) })}</h2>
        <p>{t('notBuilt.body')}</p>
        <p>{t('notBuilt.apiHint')}</p>
      </div>
    </Page>
  );
}
