import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/api-error';
import { useLanguage } from '../i18n/i18n';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorNotice } from '../ui/error-notice';
import { Page } from '../ui/page';
import { RoleGate } from '../ui/role-gate';
import { TextField } from '../ui/text-field';
import {
  addStep,
  connect,
  deleteStep,
  drawable,
  EMPTY_DEFINITION,
  issuesByStep,
  makeFirst,
  renameStep,
  replaceStep,
  type Issue,
} from './definition-edit';
import { SelectField } from './editor-fields';
import { ConditionField, ExitRulesField, GoalFields } from './rule-fields';
import { JourneyCanvas, type CanvasEditing } from './journey-canvas';
import { restingStepIds, STEP_TYPES } from './journey-graph';
import { fromYaml, toYaml } from './journey-yaml';
import { StepForm } from './step-form';
import { StepIcon } from './step-icon';
import {
  useJourney,
  useJourneyCounts,
  usePublishJourney,
  useSaveJourney,
  useTemplateOptions,
  validateDefinition,
  type JourneyDefinition,
} from './use-journeys';
import './journeys.css';

type Verdict = { state: 'checking' } | { state: 'valid' } | { state: 'invalid'; issues: Issue[] } | { state: 'idle' };

/**
 * Builds a journey: steps added, wired and deleted on the canvas or through each step's form,
 * the YAML beside it (either side edits, the other follows), the compiler's problems pinned
 * to the steps they name, save draft, and publish (with a migration map when customers are
 * in the version it replaces).
 */
export function JourneyEditorPage() {
  const { id } = useParams() as { id?: string };
  const { t } = useLanguage();
  const navigate = useNavigate();
  const journey = useJourney(id);
  const counts = useJourneyCounts(id, 15_000);
  const templates = useTemplateOptions();
  const save = useSaveJourney();
  const publish = usePublishJourney();
  const [definition, setDefinition] = useState<JourneyDefinition>(EMPTY_DEFINITION);
  const [yaml, setYaml] = useState(() => toYaml(EMPTY_DEFINITION));
  const [yamlError, setYamlError] = useState<string>();
  const [loadedFor, setLoadedFor] = useState<string>();
  const [selected, setSelected] = useState<string>();
  const [verdict, setVerdict] = useState<Verdict>({ state: 'idle' });
  const [notice, setNotice] = useState<string>();
  const [publishing, setPublishing] = useState(false);
  const [migrate, setMigrate] = useState(false);
  const [migrationMap, setMigrationMap] = useState<Record<string, string>>({});

  const j = journey.data;
  // An existing journey opens on its latest version (the draft, if there is one).
  useEffect(() => {
    if (j && loadedFor !== j.id) {
      const latest = j.versions[j.versions.length - 1]!.definition;
      setDefinition(latest);
      setYaml(toYaml(latest));
      setLoadedFor(j.id);
    }
  }, [j, loadedFor]);

  /** A change made on the canvas or in a form: the YAML follows. */
  const change = useCallback((next: JourneyDefinition) => {
    setDefinition(next);
    setYaml(toYaml(next));
    setYamlError(undefined);
    setNotice(undefined);
  }, []);

  const editYaml = (text: string) => {
    setYaml(text);
    setNotice(undefined);
    const parsed = fromYaml(text);
    if ('error' in parsed) {
      setYamlError(parsed.error);
    } else if (!drawable(parsed.value)) {
      setYamlError(t('editor.yamlShape'));
    } else {
      setYamlError(undefined);
      setDefinition(parsed.value);
    }
  };

  // The compiler's verdict, half a second after the last change.
  useEffect(() => {
    setVerdict({ state: 'checking' });
    let current = true;
    const timer = setTimeout(() => {
      validateDefinition(definition).then(
        () => current && setVerdict({ state: 'valid' }),
        (error: unknown) => {
          if (!current) {
            return;
          }
          const issues =
            error instanceof ApiError && Array.isArray(error.details?.issues)
              ? (error.details.issues as Issue[])
              : [{ path: '', message: error instanceof Error ? error.message : String(error) }];
          setVerdict({ state: 'invalid', issues });
        },
      );
    }, 500);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [definition]);

  const problems = useMemo(
    () => issuesByStep(definition, verdict.state === 'invalid' ? verdict.issues : []),
    [definition, verdict],
  );

  const editing = useMemo<CanvasEditing>(
    () => ({
      onConnect: (source, handle, target) => change(connect(definition, source, handle, target)),
      onDisconnect: (source, handle) => change(connect(definition, source, handle, undefined)),
      onDelete: (stepId) => change(deleteStep(definition, stepId)),
    }),
    [definition, change],
  );

  const templateKeys = (templates.data ?? []).map((x) => x.key);
  const selectedIndex = definition.steps.findIndex((s) => s.id === selected);
  const selectedStep = selectedIndex >= 0 ? definition.steps[selectedIndex] : undefined;
  const entry = 'event' in definition.entry ? definition.entry : undefined;
  const draftVersion = j ? j.versions[j.versions.length - 1]! : undefined;

  const saveDraft = (then?: (journeyId: string) => void) =>
    save.mutate(
      { id, definition },
      {
        onSuccess: (saved) => {
          const version = saved.versions[saved.versions.length - 1]!.version;
          setNotice(t('editor.saved', { version }));
          if (!id) {
            setLoadedFor(saved.id);
            void navigate(`/journeys/${saved.id}/edit`, { replace: true });
          }
          then?.(saved.id);
        },
      },
    );

  // Customers in the version being replaced, by the step they wait in.
  const previous = j?.versions.find((v) => v.version === j.activeVersion);
  const inFlight = (counts.data?.steps ?? []).filter(
    (s) => s.currentlyIn > 0 && previous && restingStepIds(previous.definition).includes(s.stepId),
  );
  const newResting = restingStepIds(definition);

  const confirmPublish = () => {
    if (!id) {
      return;
    }
    publish.mutate(
      { id, ...(migrate && inFlight.length > 0 ? { migrate: migrationMap } : {}) },
      {
        onSuccess: (published) => {
          setPublishing(false);
          setNotice(t('editor.published', { version: published.activeVersion ?? 0 }));
        },
      },
    );
  };

  const openPublish = () =>
    saveDraft(() => {
      setMigrationMap(
        Object.fromEntries(inFlight.map((s) => [s.stepId, newResting.includes(s.stepId) ? s.stepId : ''])),
      );
      setMigrate(false);
      setPublishing(true);
    });

  const valid = verdict.state === 'valid';
  const title = id ? t('editor.editTitle', { name: j?.name ?? '' }) : t('editor.newTitle');

  return (
    <Page
      title={title}
      actions={
        <div className="journey-actions">
          {id && (
            <Link className="button" to={`/journeys/${id}`}>
              {t('journey.back')}
            </Link>
          )}
          <button type="button" className="button" disabled={!valid || save.isPending} onClick={() => saveDraft()}>
            {t('editor.save')}
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={!valid || save.isPending || publish.isPending}
            onClick={openPublish}
          >
            {t('editor.publish')}
          </button>
        </div>
      }
    >
      <div className="journey-wide" />
      <RoleGate error={journey.error ?? templates.error} roles={['marketer']}>
        <ErrorNotice error={journey.error ?? save.error ?? publish.error} />
        {notice && (
          <p className="notice notice-success" role="status">
            {notice}
          </p>
        )}
        <div className="editor-layout">
          <section className="panel editor-canvas" aria-labelledby="editor-canvas-title">
            <h2 id="editor-canvas-title">{t('journey.canvas')}</h2>
            <div className="add-steps" role="toolbar" aria-label={t('editor.addStep')}>
              {STEP_TYPES.map((type) => (
                <button
                  key={type}
                  type="button"
                  className="button button-small add-step"
                  onClick={() => {
                    const added = addStep(definition, type, selected, templateKeys[0]);
                    change(added.definition);
                    setSelected(added.id);
                  }}
                >
                  <StepIcon type={type} />
                  {t('editor.add', { type: t(`step.${type}`) })}
                </button>
              ))}
            </div>
            <p className="hint">{t('editor.addHint')}</p>
            <JourneyCanvas
              definition={definition}
              label={t('journey.canvas')}
              selected={selected}
              onSelect={setSelected}
              problems={problems.byStep}
              editing={editing}
            />
            <div className="editor-verdict" role="status">
              {verdict.state === 'checking' && <p className="hint">{t('editor.checking')}</p>}
              {verdict.state === 'valid' && <p className="notice notice-success">{t('editor.valid')}</p>}
              {verdict.state === 'invalid' && (
                <div className="notice notice-error">
                  <h3>{t('editor.problemCount', { count: verdict.issues.length })}</h3>
                  <ul className="problem-list">
                    {verdict.issues.map((issue, i) => {
                      const step = /^steps\[(\d+)\]/.exec(issue.path);
                      const stepId = step ? definition.steps[Number(step[1])]?.id : undefined;
                      return (
                        <li key={i}>
                          {stepId ? (
                            <button type="button" className="link-button" onClick={() => setSelected(stepId)}>
                              {stepId}
                            </button>
                          ) : null}{' '}
                          <code>{issue.path}</code> {issue.message}
                        </li>
                      );
                    })}
                  </ul>
                </div>
              )}
            </div>
          </section>
          <section className="panel editor-side" aria-labelledby="step-form-title">
            <h2 id="step-form-title" className="ellipsis" title={selectedStep?.id}>
              {selectedStep
                ? t('editor.stepForm', { step: `${t(`step.${selectedStep.type}`)} · ${selectedStep.id}` })
                : t('editor.stepForm', { step: '' })}
            </h2>
            {selectedStep ? (
              <>
                {(problems.byStep.get(selectedStep.id) ?? []).map((p) => (
                  <p key={p} className="notice notice-error">
                    {p}
                  </p>
                ))}
                <StepForm
                  key={selectedIndex}
                  step={selectedStep}
                  stepIds={definition.steps.map((s) => s.id)}
                  templates={templateKeys}
                  isFirst={selectedIndex === 0}
                  onChange={(step) => change(replaceStep(definition, step, selectedIndex))}
                  onRename={(from, to) => {
                    change(renameStep(definition, from, to));
                    setSelected(to);
                  }}
                  onDelete={() => {
                    change(deleteStep(definition, selectedStep.id));
                    setSelected(undefined);
                  }}
                  onMakeFirst={() => change(makeFirst(definition, selectedStep.id))}
                />
              </>
            ) : (
              <p className="hint">{t('editor.noStep')}</p>
            )}
          </section>
        </div>
        <div className="editor-bottom">
          <section className="panel" aria-labelledby="journey-settings-title">
            <h2 id="journey-settings-title">{t('editor.journeySettings')}</h2>
            <TextField
              label={t('editor.name')}
              value={definition.name}
              maxLength={200}
              onChange={(name) => change({ ...definition, name })}
            />
            <TextField
              label={t('editor.description')}
              value={definition.description ?? ''}
              maxLength={2000}
              onChange={(description) => change({ ...definition, description: description || undefined })}
            />
            {entry && (
              <>
                <TextField
                  label={t('editor.entryEvents')}
                  value={[entry.event].flat().join(', ')}
                  onChange={(text) => {
                    const events = text
                      .split(',')
                      .map((e) => e.trim())
                      .filter(Boolean);
                    change({ ...definition, entry: { ...entry, event: events.length === 1 ? events[0]! : events } });
                  }}
                />
                <TextField
                  label={t('editor.entryKey')}
                  value={entry.key ?? ''}
                  onChange={(key) => change({ ...definition, entry: { ...entry, key: key || undefined } })}
                />
                <ConditionField
                  label={t('editor.entryWhere')}
                  value={entry.where}
                  optional
                  onChange={(where) => change({ ...definition, entry: { ...entry, where } })}
                />
              </>
            )}
            <ExitRulesField rules={definition.exit} onChange={(exit) => change({ ...definition, exit })} />
            <GoalFields goal={definition.goal} onChange={(goal) => change({ ...definition, goal })} />
            <TextField
              label={t('editor.holdout')}
              type="number"
              min={0}
              max={0.5}
              step={0.01}
              value={String(definition.holdout ?? 0)}
              onChange={(v) => change({ ...definition, holdout: Number(v) })}
            />
          </section>
          <section className="panel" aria-labelledby="yaml-title">
            <h2 id="yaml-title">{t('editor.yaml')}</h2>
            <p className="hint" id="yaml-hint">
              {t('editor.yamlHint')}
            </p>
            <textarea
              className="yaml-editor code-input"
              aria-labelledby="yaml-title"
              aria-describedby="yaml-hint"
              spellCheck={false}
              value={yaml}
              onChange={(e) => editYaml(e.target.value)}
            />
            {yamlError && (
              <p className="field-error" role="alert">
                {t('editor.yamlError', { message: yamlError })}
              </p>
            )}
          </section>
        </div>
      </RoleGate>
      {publishing && draftVersion && (
        <ConfirmDialog
          open
          title={t('editor.publishTitle', { version: draftVersion.version })}
          confirmLabel={t('editor.publish')}
          busy={publish.isPending}
          onCancel={() => setPublishing(false)}
          onConfirm={confirmPublish}
        >
          <p>{t('editor.publishBody')}</p>
          {inFlight.length > 0 && previous && (
            <div className="migration-form">
              <p>
                {t('editor.inFlight', {
                  count: inFlight.reduce((sum, s) => sum + s.currentlyIn, 0),
                  version: previous.version,
                })}
              </p>
              <label className="checkbox">
                <input type="checkbox" checked={migrate} onChange={(e) => setMigrate(e.target.checked)} />
                {t('editor.migrate')}
              </label>
              <p className="hint">{t('editor.migrateHint', { version: previous.version })}</p>
              {migrate &&
                inFlight.map((s) => (
                  <SelectField
                    key={s.stepId}
                    label={t('editor.migrateStep', { step: s.stepId, count: s.currentlyIn })}
                    value={migrationMap[s.stepId] ?? ''}
                    onChange={(v) => setMigrationMap((m) => ({ ...m, [s.stepId]: v }))}
                    options={[
                      { value: '', label: t('editor.migrateChoose') },
                      ...newResting.map((r) => ({ value: r, label: r })),
                    ]}
                  />
                ))}
            </div>
          )}
          <ErrorNotice error={publish.error} />
        </ConfirmDialog>
      )}
    </Page>
  );
}
