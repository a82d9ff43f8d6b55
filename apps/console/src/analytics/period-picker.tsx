import { useId, useState } from 'react';
import { useLanguage, useT } from '../i18n/i18n';
import { formatDay } from './format';
import { isShopDay, type Period, type Preset } from './period';

const PRESETS: Array<{ days: 7 | 30 | 90; label: 'analytics.last7' | 'analytics.last30' | 'analytics.last90' }> = [
  { days: 7, label: 'analytics.last7' },
  { days: 30, label: 'analytics.last30' },
  { days: 90, label: 'analytics.last90' },
];

/**
 * Last 7/30/90 shop days, or a custom range of shop days (both included). A custom range is
 * applied with its button, so a half-typed day never fires a request.
 */
export function PeriodPicker({
  preset,
  custom,
  onPreset,
  onCustom,
}: {
  preset: Preset;
  custom: Period;
  onPreset: (days: 7 | 30 | 90) => void;
  onCustom: (period: Period) => void;
}) {
  const t = useT();
  const id = useId();
  const [from, setFrom] = useState(custom.from);
  const [to, setTo] = useState(custom.to);
  const [editing, setEditing] = useState(preset === 'custom');
  const [invalid, setInvalid] = useState(false);

  return (
    <fieldset className="period-picker">
      <legend>{t('analytics.period')}</legend>
      <div className="segmented">
        {PRESETS.map((p) => (
          <button
            key={p.days}
            type="button"
            className="segment"
            aria-pressed={preset === p.days && !editing}
            onClick={() => {
              setEditing(false);
              onPreset(p.days);
            }}
          >
            {t(p.label)}
          </button>
        ))}
        <button
          type="button"
          className="segment"
          aria-pressed={editing || preset === 'custom'}
          aria-expanded={editing}
          aria-controls={`${id}-custom`}
          onClick={() => setEditing(true)}
        >
          {t('analytics.custom')}
        </button>
      </div>
      {editing && (
        <form
          id={`${id}-custom`}
          className="period-custom"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const ok = isShopDay(from) && isShopDay(to) && from <= to;
            setInvalid(!ok);
            if (ok) {
              onCustom({ from, to });
            }
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-from`}>{t('analytics.from')}</label>
            <input
              id={`${id}-from`}
              type="date"
              value={from}
              aria-invalid={invalid}
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>{t('analytics.to')}</label>
            <input
              id={`${id}-to`}
              type="date"
              value={to}
              aria-invalid={invalid}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <button type="submit" className="button">
            {t('analytics.apply')}
          </button>
          {invalid && (
            <p role="alert" className="field-error">
              {t('analytics.badDay')}
            </p>
          )}
        </form>
      )}
    </fieldset>
  );
}

/** The period a report covers, in words: its first and last shop day and the shop's time zone. */
export function PeriodShown({ period, timeZone }: { period: Period; timeZone: string | undefined }) {
  const { t, language } = useLanguage();
  return (
    <p className="hint period-shown">
      {t('analytics.periodShown', {
        from: formatDay(language, period.from),
        to: formatDay(language, period.to),
        timeZone: timeZone ?? '',
      })}
    </p>
  );
}
