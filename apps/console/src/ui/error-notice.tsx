import { useT } from '../i18n/i18n';
import { describeError } from './describe-error';

/** An error, announced to screen readers as it appears. */
export function ErrorNotice({ error }: { error: unknown }) {
  const t = useT();
  if (!error) {
    return null;
  }
  return (
    <p role="alert" className="notice notice-error">
      {describeError(t, error)}
    </p>
  );
}
