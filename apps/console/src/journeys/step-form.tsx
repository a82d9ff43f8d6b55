import { useLanguage } from '../i18n/i18n';
import { TextField } from '../ui/text-field';
import { SelectField, YamlField } from './editor-fields';
import { ConditionField } from './rule-fields';
import type { JourneyStep } from './use-journeys';

/**
 * The form of one step, by type (docs/journeys.md, Steps). Every way out is a select of the
 * other steps, so a journey can be wired by keyboard as well as by dragging on the canvas.
 */
export function StepForm(props: {
  step: JourneyStep;
  stepIds: string[];
  templates: string[];
  isFirst: boolean;
  onChange: (step: JourneyStep) => void;
  onRename: (from: string, to: string) => void;
  onDelete: () => void;
  onMakeFirst: () => void;
}) {
  const { t } = useLanguage();
  const { step, stepIds, onChange } = props;
  const patch = (fields: Record<string, unknown>) => onChange({ ...step, ...fields });
  const targets = [
    { value: '', label: t('editor.nextNone') },
    ...stepIds.filter((id) => id !== step.id).map((id) => ({ value: id, label: id })),
  ];
  const nextSelect = (label: string, value: string | undefined, set: (v: string | undefined) => void) => (
    <SelectField label={label} value={value ?? ''} options={targets} onChange={(v) => set(v || undefined)} />
  );

  return (
    <div className="step-form">
      <TextField
        label={t('editor.stepId')}
        value={step.id}
        maxLength={64}
        onChange={(v) => props.onRename(step.id, v)}
      />
      {props.isFirst ? (
        <p className="hint">{t('editor.firstStep')}</p>
      ) : (
        <button type="button" className="button button-small" onClick={props.onMakeFirst}>
          {t('editor.makeFirst')}
        </button>
      )}
      {step.type === 'wait' && (
        <>
          <TextField
            label={t('editor.duration')}
            value={step.duration ?? ''}
            onChange={(v) => patch({ duration: v || undefined })}
          />
          {nextSelect(t('editor.next'), step.next, (next) => patch({ next }))}
        </>
      )}
      {step.type === 'waitForEvent' && (
        <>
          <TextField label={t('editor.event')} value={step.event} onChange={(event) => patch({ event })} />
          <ConditionField
            label={t('editor.where')}
            value={step.where}
            optional
            onChange={(where) => patch({ where })}
          />
          <TextField
            label={t('editor.sameKey')}
            value={step.sameKey ?? ''}
            onChange={(v) => patch({ sameKey: v || undefined })}
          />
          <TextField label={t('editor.timeout')} value={step.timeout} onChange={(timeout) => patch({ timeout })} />
          {nextSelect(t('editor.onEvent'), step.onEvent, (onEvent) => patch({ onEvent }))}
          {nextSelect(t('editor.onTimeout'), step.onTimeout, (onTimeout) => patch({ onTimeout }))}
        </>
      )}
      {step.type === 'branch' && (
        <>
          {step.branches.map((b, i) => (
            <fieldset key={i} className="step-fieldset">
              <ConditionField
                label={t('editor.branchWhen', { n: i + 1 })}
                value={b.when}
                onChange={(when) =>
                  patch({ branches: step.branches.map((x, j) => (j === i ? { ...x, when: when ?? { all: [] } } : x)) })
                }
              />
              {nextSelect(t('editor.branchNext'), b.next, (next) =>
                patch({ branches: step.branches.map((x, j) => (j === i ? { ...x, next } : x)) }),
              )}
              {step.branches.length > 1 && (
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => patch({ branches: step.branches.filter((_, j) => j !== i) })}
                >
                  {t('editor.removeBranch', { n: i + 1 })}
                </button>
              )}
            </fieldset>
          ))}
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              patch({ branches: [...step.branches, { when: { field: 'stats.ordersCount', op: 'gt', value: 0 } }] })
            }
          >
            {t('editor.addBranch')}
          </button>
          {nextSelect(t('editor.otherwise'), step.otherwise, (otherwise) => patch({ otherwise }))}
        </>
      )}
      {step.type === 'split' && (
        <>
          {step.paths.map((p, i) => (
            <fieldset key={i} className="step-fieldset">
              <TextField
                label={t('editor.pathWeight', { n: i + 1 })}
                type="number"
                min={0}
                step="any"
                value={String(p.weight)}
                onChange={(v) =>
                  patch({ paths: step.paths.map((x, j) => (j === i ? { ...x, weight: Number(v) } : x)) })
                }
              />
              {nextSelect(t('editor.pathNext', { n: i + 1 }), p.next, (next) =>
                patch({ paths: step.paths.map((x, j) => (j === i ? { ...x, next } : x)) }),
              )}
            </fieldset>
          ))}
          <button
            type="button"
            className="button button-small"
            onClick={() => patch({ paths: [...step.paths, { weight: 1 }] })}
          >
            {t('editor.addPath')}
          </button>
        </>
      )}
      {step.type === 'send' && (
        <>
          <SelectField
            label={t('editor.templateKey')}
            value={step.template}
            onChange={(template) => patch({ template })}
            options={[
              { value: '', label: t('editor.templateChoose') },
              ...[...new Set([...props.templates, ...(step.template ? [step.template] : [])])].map((k) => ({
                value: k,
                label: k,
              })),
            ]}
          />
          <SelectField
            label={t('editor.category')}
            value={step.category}
            onChange={(category) => patch({ category })}
            options={[
              { value: 'marketing', label: t('editor.marketing') },
              { value: 'transactional', label: t('editor.transactional') },
            ]}
          />
          <SelectField
            label={t('editor.whenCapped')}
            value={step.whenCapped ?? 'defer'}
            onChange={(whenCapped) => patch({ whenCapped })}
            options={[
              { value: 'defer', label: t('editor.defer') },
              { value: 'skip', label: t('editor.skip') },
            ]}
          />
          {nextSelect(t('editor.next'), step.next, (next) => patch({ next }))}
        </>
      )}
      {step.type === 'updateProfile' && (
        <>
          <TextField
            label={t('editor.attribute')}
            value={step.attribute}
            onChange={(attribute) => patch({ attribute })}
          />
          <YamlField
            label={t('editor.value')}
            value={step.value}
            onChange={(value) => patch({ value: value ?? null })}
          />
          {nextSelect(t('editor.next'), step.next, (next) => patch({ next }))}
        </>
      )}
      {step.type === 'webhook' && (
        <>
          <TextField label={t('editor.url')} type="url" value={step.url} onChange={(url) => patch({ url })} />
          {nextSelect(t('editor.next'), step.next, (next) => patch({ next }))}
        </>
      )}
      <button type="button" className="button button-danger button-small" onClick={props.onDelete}>
        {t('editor.deleteStep')}
      </button>
    </div>
  );
}
