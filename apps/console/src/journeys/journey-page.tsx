import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { formats } from '../analytics/format';
import { sumRows } from '../analytics/overview-figures';
import { PeriodPicker, PeriodShown } from '../analytics/period-picker';
import { useAnalyticsSettings } from '../analytics/use-analytics';
import { usePeriod } from '../analytics/use-period';
import type { MessageKey } from '../i18n/catalog';
import { useLanguage } from '../i18n/i18n';
import { useSession } from '../session/use-session';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { JourneyCanvas, type StepNumbers } from './journey-canvas';
import { JourneyFigures, LiftPanel, SplitsPanel, stepEmailLines, type StepFigureMode } from './journey-performance';
import { StatusBadge } from './status-badge';
import { StepCustomersPanel } from './step-customers-panel';
import { useJourneyLift, useJourneySplits, useJourneyStepMessages } from './use-journey-analytics';
import { useJourney, useJourneyCounts, useLifecycle, type JourneyDetails, type LifecycleAction } from './use-journeys';
import { VersionsPanel } from './versions-panel';
import '../ui/controls.css';
import './journeys.css';

/** The version a journey page draws: the published one, else the latest draft. */
export function shownVersion(journey: JourneyDetails) {
  const versions = journey.versions;
  return versions.find((v) => v.version === journey.activeVersion) ?? versions[versions.length - 1]!;
}

const DIALOGS: Record<LifecycleAction, { title: MessageKey; body: MessageKey; confirm: MessageKey; danger: boolean }> =
  {
    pause: { title: 'journey.pauseTitle', body: 'journey.pauseBody', confirm: 'journey.pause', danger: true },
    resume: { title: 'journey.resumeTitle', body: 'journey.resumeBody', confirm: 'journey.resume', danger: false },
    archive: { title: 'journey.archiveTitle', body: 'journey.archiveBody', confirm: 'journey.archive', danger: true },
  };

/**
 * A journey: its graph with live numbers per step (refreshed every few seconds) and each send
 * step's email figures over the chosen period, who is in a step now, what the journey earns
 * (email figures, holdout lift, A/B tests: docs/analytics.md), pause / resume / archive with
 * confirmation, and its versions with a diff.
 */
export function JourneyPage() {
  const { id } = useParams() as { id: string };
  const { t, language } = useLanguage();
  const journey = useJourney(id);
  const counts = useJourneyCounts(id);
  const lifecycle = useLifecycle(id);
  const role = useSession().data?.user.role;
  const [selected, setSelected] = useState<string>();
  const [dialog, setDialog] = useState<LifecycleAction | null>(null);
  const [figureMode, setFigureMode] = useState<StepFigureMode>('rates');
  const settings = useAnalyticsSettings();
  const timeZone = settings.data?.timeZone;
  const { preset, period, choosePreset, chooseCustom } = usePeriod(timeZone);
  const stepMessages = useJourneyStepMessages(id, period);
  const lift = useJourneyLift(id, period);
  const splits = useJourneySplits(id, period);
  const currency = stepMessages.data?.currency ?? settings.data?.currency ?? 'USD';
  const f = formats(language, currency);
  const j = journey.data;
  const version = j ? shownVersion(j) : undefined;

  const numbers = useMemo(() => {
    const stepFormats = formats(language, currency);
    const byStep = new Map((stepMessages.data?.rows ?? []).map((r) => [r.stepId, r]));
    const live = new Map((counts.data?.steps ?? []).map((s) => [s.stepId, s]));
    return new Map<string, StepNumbers>(
      (version?.definition.steps ?? []).map((step) => {
        const row = byStep.get(step.id);
        // A send step with no email of the period says so, rather than leaving its room blank.
        const email = row
          ? stepEmailLines(row, stepFormats, t, figureMode)
          : step.type === 'send' && stepMessages.data
            ? [t('perf.stepNone')]
            : undefined;
        const { entered = 0, currentlyIn = 0 } = live.get(step.id) ?? {};
        return [step.id, { entered, currentlyIn, email }];
      }),
    );
  }, [counts.data, stepMessages.data, version, language, currency, figureMode, t]);
  const figures = stepMessages.data ? sumRows(stepMessages.data.rows) : undefined;
  const analyticsError = settings.error ?? stepMessages.error ?? lift.error ?? splits.error;
  const select = useCallback((stepId: string) => setSelected(stepId), []);
  // Marketers change journeys; ops may hold one (pause) and let it go again, as with all sending.
  const mayChange = role === 'marketer' || role === 'admin';
  const mayPause = mayChange || role === 'ops';
  const n = (value: number) => value.toLocaleString(language);
  const exited = Object.values(counts.data?.exited ?? {}).reduce((sum, v) => sum + v, 0);

  return (
    <Page
      title={j?.name ?? t('journeys.title')}
      actions={
        j &&
        mayPause && (
          <div className="journey-actions">
            {mayChange && j.status !== 'archived' && (
              <Link className="button" to={`/journeys/${id}/edit`}>
                {t('journey.edit')}
              </Link>
            )}
            {mayChange && (
              <Link className="button" to={`/journeys/${id}/simulate`}>
                {t('journey.simulate')}
              </Link>
            )}
            {j.status === 'active' && (
              <button type="button" className="button" onClick={() => setDialog('pause')}>
                {t('journey.pause')}
              </button>
            )}
            {j.status === 'paused' && (
              <button type="button" className="button button-primary" onClick={() => setDialog('resume')}>
                {t('journey.resume')}
              </button>
            )}
            {mayChange && j.status !== 'archived' && (
              <button type="button" className="button button-danger" onClick={() => setDialog('archive')}>
                {t('journey.archive')}
              </button>
            )}
          </div>
        )
      }
    >
      <div className="journey-wide">
        <Link to="/journeys" className="back-link">
          ← {t('journey.back')}
        </Link>
      </div>
      <RoleGate error={journey.error} roles={['marketer', 'ops']}>
        <ErrorNotice error={journey.error ?? lifecycle.error} />
        {journey.isPending && <p>{t('common.loading')}</p>}
        {j && version && (
          <>
            <div className="journey-meta">
              <StatusBadge status={j.status} />
              <span className="hint">
                {t('journey.showing', {
                  version: version.version,
                  state: version.publishedAt ? t('journey.published') : t('journey.draft'),
                })}
              </span>
            </div>
            <section className="panel" aria-label={t('journey.totals')}>
              <dl className="totals" aria-live="polite">
                <div>
                  <dt>{t('journey.entered')}</dt>
                  <dd>{counts.data ? n(counts.data.entered) : '…'}</dd>
                </div>
                <div>
                  <dt>{t('journey.inNow')}</dt>
                  <dd>{counts.data ? n(counts.data.currentlyIn) : '…'}</dd>
                </div>
                <div>
                  <dt>{t('journey.goalReached')}</dt>
                  <dd>{counts.data ? n(counts.data.goalReached) : '…'}</dd>
                </div>
                <div>
                  <dt>{t('journey.heldOut')}</dt>
                  <dd>{counts.data ? n(counts.data.heldOut) : '…'}</dd>
                </div>
                <div>
                  <dt>{t('journey.exited')}</dt>
                  <dd>{counts.data ? n(exited) : '…'}</dd>
                </div>
              </dl>
            </section>
            <section className="panel" aria-labelledby="journey-performance-title">
              <h2 id="journey-performance-title">{t('perf.title')}</h2>
              <ErrorNotice error={analyticsError} />
              {period && (
                <div className="analytics-toolbar">
                  <PeriodPicker preset={preset} custom={period} onPreset={choosePreset} onCustom={chooseCustom} />
                  <PeriodShown period={period} timeZone={timeZone} />
                </div>
              )}
              {figures ? (
                <section aria-label={t('perf.emailFigures')}>
                  <JourneyFigures figures={figures} currency={currency} f={f} />
                </section>
              ) : (
                !analyticsError && <p>{t('common.loading')}</p>
              )}
            </section>
            <div className="journey-body">
              <section className="panel canvas-panel" aria-labelledby="journey-canvas-title">
                <h2 id="journey-canvas-title">{t('journey.canvas')}</h2>
                <div className="canvas-toolbar">
                  <p className="hint">{t('journey.canvasHint')}</p>
                  <div className="segmented" role="group" aria-label={t('journey.figuresAs')}>
                    {(['rates', 'counts'] as const).map((mode) => (
                      <button
                        key={mode}
                        type="button"
                        className="segmented-option"
                        aria-pressed={figureMode === mode}
                        onClick={() => setFigureMode(mode)}
                      >
                        {t(mode === 'rates' ? 'journey.figuresRates' : 'journey.figuresCounts')}
                      </button>
                    ))}
                  </div>
                </div>
                <JourneyCanvas
                  definition={version.definition}
                  label={t('journey.canvas')}
                  numbers={numbers}
                  emailFigures
                  selected={selected}
                  onSelect={select}
                />
              </section>
              <StepCustomersPanel journeyId={id} stepId={selected} />
            </div>
            {lift.data && <LiftPanel report={lift.data} confidence={settings.data?.lift.confidence ?? 0.95} f={f} />}
            {splits.data && <SplitsPanel report={splits.data} f={f} />}
            <VersionsPanel journey={j} />
          </>
        )}
      </RoleGate>
      {dialog && (
        <ConfirmDialog
          open
          title={t(DIALOGS[dialog].title)}
          confirmLabel={t(DIALOGS[dialog].confirm)}
          danger={DIALOGS[dialog].danger}
          busy={lifecycle.isPending}
          onCancel={() => setDialog(null)}
          onConfirm={() => lifecycle.mutate(dialog, { onSettled: () => setDialog(null) })}
        >
          <p>{t(DIALOGS[dialog].body)}</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
