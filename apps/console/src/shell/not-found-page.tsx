import { Link } from 'react-router';
import { useT } from '../i18n/i18n';
import { Page } from '../ui/page';

export function NotFoundPage() {
  const t = useT();
  return (
    <Page title={t('notFound.title')}>
      <p>{t('notFound.body')}</p>
      <Link to="/">{t('notFound.home')}</Link>
    </Page>
  );
}
