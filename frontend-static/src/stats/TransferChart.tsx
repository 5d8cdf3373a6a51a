// Transfers per hour (succeeded / failed) for the last days, as an SVG bar chart with a legend, a text summary and
// the same numbers as a table for screen readers and anyone who wants them exactly. No chart library: one bar
// per hour, succeeded at the bottom, failed (hatched, so not by colour alone) on top.
import { useMemo, useState } from "preact/hooks";
import { TRANSFER_STATS } from "../api/operations";
import type { TransferHourBucket } from "../api/types";
import { useI18n, type Lang } from "../i18n";
import { useQuery } from "../session";
import { ErrorBox, Loading } from "../ui/components";
import "./stats.css";

export const CHART_PERIODS = [3, 7] as const;

const W = 960;
const H = 220;
const PAD = { top: 12, right: 8, bottom: 34, left: 36 };

/** 1, 2, 5, 10, 20, 50, ... at least ``n``. */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function fmt(lang: Lang, kind: "hour" | "day" | "clock"): Intl.DateTimeFormat {
  const key = `${lang}:${kind}`;
  let f = formats.get(key);
  if (!f) {
    const locale = lang === "nb" ? "nb-NO" : "en-GB";
    f = new Intl.DateTimeFormat(locale, kind === "hour"
      ? { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }
      : kind === "day" ? { weekday: "short", day: "numeric", month: "short" } : { hour: "2-digit", minute: "2-digit" });
    formats.set(key, f);
  }
  return f;
}

export function TransferChart({ integrationId }: { integrationId: string }) {
  const { t, lang } = useI18n();
  const [days, setDays] = useState<number>(3);
  const { data, error, loading, reload } = useQuery(TRANSFER_STATS, { integrationId, days });
  const buckets = data?.transferStats ?? null;

  return (
    <section class="card chart-card" aria-labelledby="chart-heading" data-testid="transfer-chart">
      <div class="chart-head">
        <h2 id="chart-heading">{t.chartTitle}</h2>
        <div class="chart-tools">
          <fieldset>
            <legend>{t.chartPeriod}</legend>
            {CHART_PERIODS.map((n) => (
              <span class="choice-inline" key={n}>
                <input type="radio" id={`chart-days-${n}`} name="chart-days" value={n} checked={days === n}
                  onChange={() => setDays(n)} />
                <label for={`chart-days-${n}`}>{t.chartDays(n)}</label>
              </span>
            ))}
          </fieldset>
          <button type="button" class="button" onClick={reload} disabled={loading}>{t.refresh}</button>
        </div>
      </div>
      <p class="help">{t.chartHelp}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !buckets && <Loading />}
      {buckets && <Chart buckets={buckets} days={days} lang={lang} />}
    </section>
  );
}

function Chart({ buckets, days, lang }: { buckets: TransferHourBucket[]; days: number; lang: Lang }) {
  const { t } = useI18n();
  const totals = useMemo(() => buckets.reduce(
    (acc, b) => ({ ok: acc.ok + b.succeeded, failed: acc.failed + b.failed }), { ok: 0, failed: 0 }), [buckets]);
  const busiest = useMemo(() => buckets.reduce<TransferHourBucket | null>(
    (best, b) => (b.succeeded + b.failed > (best ? best.succeeded + best.failed : 0) ? b : best), null), [buckets]);
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.succeeded + b.failed)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, step * 0.78);
  const y = (n: number) => PAD.top + plotH - (n / max) * plotH;
  const hourText = (iso: string) => fmt(lang, "hour").format(new Date(iso));
  const withTransfers = buckets.filter((b) => b.succeeded + b.failed > 0);

  const summary = totals.ok + totals.failed === 0 ? t.chartNone(days)
    : `${t.chartSummary(days, totals.ok, totals.failed)}${busiest
      ? ` ${t.chartBusiest(hourText(busiest.hour), busiest.succeeded + busiest.failed)}` : ""}`;

  return (
    <>
      <ul class="legend" aria-label={t.chartTitle}>
        <li><span class="swatch swatch-ok" aria-hidden="true" />{t.transferStatus.SUCCEEDED}:{" "}
          <strong data-testid="chart-total-succeeded">{totals.ok}</strong></li>
        <li><span class="swatch swatch-failed" aria-hidden="true" />{t.transferStatus.FAILED}:{" "}
          <strong data-testid="chart-total-failed">{totals.failed}</strong></li>
      </ul>
      <svg class="chart-svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-heading chart-summary"
        data-hours={buckets.length}>
        <defs>
          <pattern id="chart-failed-hatch" width="5" height="5" patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)">
            <rect width="5" height="5" fill="#f3b5ad" />
            <rect width="3" height="5" fill="#c0392b" />
          </pattern>
        </defs>
        {[0, max / 2, max].map((v) => (
          <g key={v} aria-hidden="true">
            <line class="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end">{Number.isInteger(v) ? v : ""}</text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const date = new Date(b.hour);
          const x = PAD.left + i * step;
          const midnight = date.getHours() === 0;
          const noon = date.getHours() === 12 && days <= 3;
          return (
            <g key={b.hour} class="chart-hour" data-hour={b.hour} data-succeeded={b.succeeded} data-failed={b.failed}>
              <title>{t.chartBar(hourText(b.hour), b.succeeded, b.failed)}</title>
              <rect class="chart-hover" x={x} y={PAD.top} width={step} height={plotH} />
              {b.succeeded > 0 && (
                <rect class="chart-ok" x={x + (step - barW) / 2} y={y(b.succeeded)} width={barW}
                  height={y(0) - y(b.succeeded)} />
              )}
              {b.failed > 0 && (
                <rect class="chart-failed" x={x + (step - barW) / 2} y={y(b.succeeded + b.failed)} width={barW}
                  height={y(b.succeeded) - y(b.succeeded + b.failed)} />
              )}
              {(midnight || noon) && (
                <g aria-hidden="true">
                  <line class="chart-axis" x1={x} x2={x} y1={PAD.top + plotH} y2={PAD.top + plotH + (midnight ? 8 : 4)} />
                  <text x={x + 2} y={H - (midnight ? 8 : 18)}>
                    {midnight ? fmt(lang, "day").format(date) : fmt(lang, "clock").format(date)}
                  </text>
                </g>
              )}
            </g>
          );
        })}
        <line class="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} aria-hidden="true" />
      </svg>
      <p id="chart-summary" class="chart-summary" data-testid="chart-summary">{summary}</p>
      {withTransfers.length > 0 && (
        <details>
          <summary>{t.chartShowTable}</summary>
          <div class="table-wrap chart-table">
            <table class="table">
              <caption>{t.chartTableCaption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.colHour}</th>
                  <th scope="col" class="num">{t.transferStatus.SUCCEEDED}</th>
                  <th scope="col" class="num">{t.transferStatus.FAILED}</th>
                </tr>
              </thead>
              <tbody>
                {withTransfers.map((b) => (
                  <tr key={b.hour}>
                    <th scope="row">{hourText(b.hour)}</th>
                    <td class="num">{b.succeeded}</td>
                    <td class="num">{b.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </>
  );
}
