// The overview: cases per day by priority (stacked bars), top domains and reporters, connector health — in SVG.
import { useEffect, useState } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import { api } from "../api.js";
import { PRIORITIES, RunStatus } from "../format.js";
import { Link } from "../router.js";
import { Loading, MutedNote } from "../blocks.js";

interface OverviewData {
  since: number;
  days: number;
  casesPerDay: { day: number; priority: number; count: number }[];
  statuses: Record<string, number>;
  topSenderDomains: { domain: string; count: number }[];
  topUrlDomains: { domain: string; count: number }[];
  topReporters: { address: string; count: number }[];
  connectors: { name: string; enabled: boolean; lastRuns: { status: string; started_at: number; error: string | null }[] }[];
}

const COLORS: Record<number, string> = { 100: "#b42318", 80: "#e8590c", 60: "#f0b400", 40: "#3b82f6", [-1]: "#94a3b8" };
const DAY = 86_400_000;

function CasesPerDay({ data }: { data: OverviewData }) {
  const intl = useIntl();
  const days = Array.from({ length: data.days }, (_, i) => data.since + i * DAY);
  const totals = days.map((day) => data.casesPerDay.filter((r) => r.day === day).reduce((s, r) => s + r.count, 0));
  const max = Math.max(1, ...totals);
  const width = 1000,
    height = 220,
    left = 40,
    bottom = 24,
    barWidth = (width - left) / days.length;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 -12 ${width} ${height + bottom + 12}`}
        role="img"
        aria-label={intl.formatMessage({ id: "overview.casesPerDay" }, { days: data.days })}
      >
        {[...new Set([0, Math.round(max / 2), max])].map((tick) => (
          <g key={tick}>
            <line x1={left} x2={width} y1={height - (tick / max) * height} y2={height - (tick / max) * height} className="grid" />
            <text x={left - 6} y={height - (tick / max) * height + 4} textAnchor="end" className="axis">
              {intl.formatNumber(tick)}
            </text>
          </g>
        ))}
        {days.map((day, i) => {
          let y = height;
          return (
            <g key={day}>
              {PRIORITIES.slice()
                .reverse()
                .map((priority) => {
                  const count = data.casesPerDay.find((r) => r.day === day && r.priority === priority)?.count ?? 0;
                  if (!count) return null;
                  const h = (count / max) * height;
                  y -= h;
                  return (
                    <rect key={priority} x={left + i * barWidth + 2} y={y} width={barWidth - 4} height={h} fill={COLORS[priority]}>
                      <title>
                        {`${intl.formatDate(day, { month: "short", day: "numeric", timeZone: "UTC" })} · ` +
                          `${intl.formatMessage({ id: `priority.${priority}` as "priority.60" })}: ${intl.formatNumber(count)}`}
                      </title>
                    </rect>
                  );
                })}
              {i % 2 === 0 && (
                <text x={left + i * barWidth + barWidth / 2} y={height + 16} textAnchor="middle" className="axis">
                  {intl.formatDate(day, { month: "numeric", day: "numeric", timeZone: "UTC" })}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {PRIORITIES.map((p) => (
          <span key={p}>
            <i style={{ background: COLORS[p] }} />
            <FormattedMessage id={`priority.${p}` as "priority.60"} />
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function Bars({ rows }: { rows: { name: string; count: number }[] }) {
  const intl = useIntl();
  if (!rows.length) return <MutedNote message="overview.noData" />;
  const max = Math.max(...rows.map((r) => r.count));
  return (
    <svg viewBox={`0 0 400 ${rows.length * 26}`} className="bars" role="img">
      <title>{rows.map((row) => `${row.name}: ${row.count}`).join(", ")}</title>
      {rows.map((row, i) => (
        <g key={row.name} transform={`translate(0 ${i * 26})`}>
          <rect x={0} y={4} width={Math.max(2, (row.count / max) * 220)} height={18} className="bar" />
          {/* Attacker-chosen domain names and addresses: SVG text nodes, defanged. */}
          <text x={228} y={18} className="label">
            {row.name.split(".").join("[.]")} · {intl.formatNumber(row.count)}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function Overview() {
  const [data, setData] = useState<OverviewData | null>(null);
  useEffect(() => {
    const load = () => void api<OverviewData>("/overview?days=14").then(setData, () => undefined);
    load();
    const timer = setInterval(load, 15_000);
    return () => clearInterval(timer);
  }, []);
  if (!data) return <Loading />;
  return (
    <div className="overview">
      <h1>
        <FormattedMessage id="overview.title" />
      </h1>
      <p className="lead">
        <Link to="/cases?status=open">
          <FormattedMessage id="overview.openCases" values={{ count: data.statuses.open ?? 0 }} />
        </Link>
      </p>
      <section className="card wide">
        <h2>
          <FormattedMessage id="overview.casesPerDay" values={{ days: data.days }} />
        </h2>
        <CasesPerDay data={data} />
      </section>
      <div className="grid2">
        <section className="card">
          <h2>
            <FormattedMessage id="overview.topSenders" />
          </h2>
          <Bars rows={data.topSenderDomains.map((r) => ({ name: r.domain, count: r.count }))} />
        </section>
        <section className="card">
          <h2>
            <FormattedMessage id="overview.topUrls" />
          </h2>
          <Bars rows={data.topUrlDomains.map((r) => ({ name: r.domain, count: r.count }))} />
        </section>
        <section className="card" data-testid="top-reporters">
          <h2>
            <FormattedMessage id="overview.topReporters" />
          </h2>
          <Bars rows={data.topReporters.map((r) => ({ name: r.address, count: r.count }))} />
        </section>
      </div>
      <section className="card">
        <h2>
          <FormattedMessage id="overview.health" />
        </h2>
        <ul className="health">
          {data.connectors.map((c) => (
            <li
              key={c.name}
              className={(c.lastRuns.find((r) => r.status !== "running")?.status ?? "succeeded") !== "succeeded" ? "failing" : ""}
            >
              <strong>{c.name}</strong>{" "}
              {!c.enabled && (
                <span className="muted">
                  <FormattedMessage id="overview.disabled" />{" "}
                </span>
              )}
              {c.lastRuns.length === 0 ? (
                <span className="muted">
                  <FormattedMessage id="overview.never" />
                </span>
              ) : (
                c.lastRuns.map((r, i) => <RunStatus key={i} value={r.status} />)
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
