import { diffLines } from 'diff';
import { useMemo, useState } from 'react';
import { useLanguage } from '../i18n/i18n';
import { Panel } from '../ui/page';
import { toYaml } from './journey-yaml';
import type { JourneyDetails } from './use-journeys';

/** Every version of a journey, and a line diff of the YAML of any two of them. */
export function VersionsPanel({ journey }: { journey: JourneyDetails }) {
  const { t, formatTime } = useLanguage();
  const versions = journey.versions;
  const last = versions[versions.length - 1]?.version ?? 1;
  const [from, setFrom] = useState(Math.max(1, last - 1));
  const [to, setTo] = useState(last);

  const changes = useMemo(() => {
    const a = versions.find((v) => v.version === from);
    const b = versions.find((v) => v.version === to);
    return a && b ? diffLines(toYaml(a.definition), toYaml(b.definition)) : [];
  }, [versions, from, to]);
  const same = changes.every((c) => !c.added && !c.removed);

  const picker = (id: string, label: string, value: number, onChange: (v: number) => void) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            {v.version}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <Panel title={t('journey.versions')}>
      <table className="versions-table">
        <thead>
          <tr>
            <th scope="col">{t('journey.col.version')}</th>
            <th scope="col">{t('journey.col.created')}</th>
            <th scope="col">{t('journey.col.publishedAt')}</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version}>
              <th scope="row">
                {v.version}
                {v.version === journey.activeVersion && (
                  <span className="badge badge-active">{t('journey.active')}</span>
                )}
              </th>
              <td>{formatTime(v.createdAt)}</td>
              <td>{v.publishedAt ? formatTime(v.publishedAt) : t('journey.notPublished')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length > 1 && (
        <>
          <div className="inline-form diff-pickers">
            {picker('diff-from', t('journey.diffFrom'), from, setFrom)}
            {picker('diff-to', t('journey.diffTo'), to, setTo)}
          </div>
          <h3>{t('journey.diffTitle', { from, to })}</h3>
          {same ? (
            <p>{t('journey.diffSame')}</p>
          ) : (
            <>
              <p className="hint">{t('journey.diffLegend')}</p>
              <pre className="diff" aria-label={t('journey.diffTitle', { from, to })} tabIndex={0}>
                {changes.flatMap((c, i) =>
                  c.value
                    .replace(/\n$/, '')
                    .split('\n')
                    .map((line, j) => (
                      <span
                        key={`${i}-${j}`}
                        className={c.added ? 'diff-add' : c.removed ? 'diff-remove' : 'diff-same'}
                      >
                        {c.added ? '+ ' : c.removed ? '− ' : '  '}
                        {line}
                        {'\n'}
                      </span>
                    )),
                )}
              </pre>
            </>
          )}
        </>
      )}
    </Panel>
  );
}
