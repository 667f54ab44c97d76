/**
 * Benchmark of an incident storm: many findings of a few controls arriving within minutes across
 * many accounts (a standard switched on for the organisation, one bad template rolled out
 * everywhere), plus background findings of other controls spread over the same hour, replayed
 * through the dev stack's rules and workflow on the offline engines.
 *   npm run bench:storm -- [--findings N] [--controls C] [--minutes M] [--accounts A] [--background B]
 *                          [--threshold T] [--window-minutes W] [--cap H] [--concurrency K]
 * The storm settings default to the stack's (threshold 10 per 60 minutes, cap 50 per hour);
 * --threshold, --window-minutes and --cap replay a copy of the settings with those changed.
 * Exit 1 when a finding is neither on its own incident nor on exactly one roll-up, or a run failed.
 */
import * as os from "os";
import { loadSettings, Settings } from "../lib/settings";
import { generatedFinding as generated } from "./support/generatedFinding";
import { eventForFinding, ReplayEvent } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { callRates, TaskCall } from "../offline/callRates";

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
    return value;
}

/** The storm's hour; the storm itself starts STORM_OFFSET_MINUTES into it. */
const HOUR_START = Date.parse("2026-11-02T09:00:00.000Z");
const STORM_OFFSET_MINUTES = 20;
const SEVERITIES = ["HIGH", "HIGH", "HIGH", "CRITICAL", "MEDIUM"];

function generatedFinding(kind: "storm" | "background", n: number, control: string, account: string, updatedAt: string): Record<string, unknown> {
    const title = kind === "storm" ? `Storm control ${control} is not configured as the organisation's standard requires` : `Background control ${control} failed its check`;
    return generated({ n, tag: kind, control, title, account, updatedAt, severity: SEVERITIES[n % SEVERITIES.length] });
}

/**
 * The scenario: `findings` storm findings, control n % controls, account n % accounts, evenly over
 * `minutes` minutes from minute 20 of the hour; `background` findings of twice as many other
 * controls (so none of them storms on its own), evenly over the whole hour.
 */
function scenario(findings: number, controls: number, minutes: number, accounts: number, background: number): ReplayEvent[] {
    const events: ReplayEvent[] = [];
    const push = (finding: Record<string, unknown>, source: string) => events.push({ source, event: eventForFinding(finding), findingId: finding.Id as string });
    const stormStart = HOUR_START + STORM_OFFSET_MINUTES * 60_000;
    for (let n = 0; n < findings; n++) {
        const at = new Date(stormStart + Math.floor((n * minutes * 60_000) / findings)).toISOString();
        push(generatedFinding("storm", n, `Storm.${(n % controls) + 1}`, String(100000000000 + (n % accounts)), at), `storm[${n}]`);
    }
    for (let n = 0; n < background; n++) {
        const at = new Date(HOUR_START + Math.floor((n * 3600_000) / background)).toISOString();
        push(generatedFinding("background", n, `Other.${(n % (2 * controls)) + 1}`, String(200000000000 + (n % accounts)), at), `background[${n}]`);
    }
    return events;
}

function spread(values: number[]): string {
    if (values.length === 0) return "-";
    const min = Math.min(...values);
    const max = Math.max(...values);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return min === max ? `${min}` : `${mean.toFixed(2)} (${min}-${max})`;
}

async function main() {
    const findings = option("findings", 5000);
    const controls = option("controls", 20);
    const minutes = option("minutes", 10);
    const accounts = option("accounts", 250);
    const background = option("background", 200);
    const concurrency = option("concurrency", 16);
    const stackSettings = loadSettings(readStackConfig("dev").read, PROJECT_DIR);
    const settings: Settings = {
        ...stackSettings,
        stormThreshold: option("threshold", stackSettings.stormThreshold),
        stormWindowMinutes: option("window-minutes", stackSettings.stormWindowMinutes),
        maxIncidentsPerHour: option("cap", stackSettings.maxIncidentsPerHour),
    };
    const events = scenario(findings, controls, minutes, accounts, background);
    const total = events.length;
    const perFinding = new Map<string, { executions: number; transitions: number }>();

    const started = process.hrtime.bigint();
    const calls: TaskCall[] = [];
    const report = await simulate({ settings, stack: "dev", events, concurrency, perFinding, onTaskCall: call => calls.push(call) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    // The invariant: every finding is on its own incident or on exactly one roll-up, never both.
    const own = new Map<string, number>();
    const onRollups = new Map<string, number>();
    const openers = new Set<string>();
    for (const incident of report.incidents) {
        if (incident.kind === "finding") own.set(incident.findingId, (own.get(incident.findingId) ?? 0) + 1);
        else {
            openers.add(incident.findingId);
            for (const id of incident.findingIds ?? []) onRollups.set(id, (onRollups.get(id) ?? 0) + 1);
        }
    }
    const broken: string[] = [];
    for (const { findingId } of events) {
        const o = own.get(findingId!) ?? 0;
        const r = onRollups.get(findingId!) ?? 0;
        if (!((o === 1 && r === 0) || (o === 0 && r === 1))) broken.push(`${findingId}: ${o} own incident(s), on ${r} roll-up(s)`);
    }
    const rollups = report.incidents.filter(i => i.kind === "rollup");
    const ownIncidents = report.incidents.length - rollups.length;
    // Without storms each matched finding would have opened (and paged) its own incident.
    const withoutStorms = report.matched;
    const ok = broken.length === 0 && report.failures.length === 0;

    const transitionsOf = (ids: Iterable<string>) => [...ids].map(id => perFinding.get(id)?.transitions ?? 0);
    const ownIds = [...own.keys()];
    const attachedIds = [...onRollups.keys()].filter(id => !openers.has(id));
    const groupRollups = rollups.filter(r => r.stormKey !== "all findings");
    const globalRollups = rollups.filter(r => r.stormKey === "all findings");
    const onGlobal = globalRollups.reduce((n, r) => n + (r.findingIds?.length ?? 0), 0);

    const lines = [
        `bench:storm on ${os.cpus().length} CPU(s), Node ${process.version}, concurrency ${concurrency}`,
        `  settings            stormThreshold ${settings.stormThreshold} per ${settings.stormWindowMinutes} min by ${settings.stormGroupBy}, maxIncidentsPerHour ${settings.maxIncidentsPerHour}`,
        `  findings            ${total}: ${findings} storm findings of ${controls} controls within ${minutes} min across ${Math.min(accounts, findings)} accounts, ${background} background findings of ${2 * controls} other controls over the hour`,
        `  incidents opened    ${report.incidents.length}: ${ownIncidents} own, ${rollups.length} roll-ups (${groupRollups.length} per group, ${globalRollups.length} hourly-cap)`,
        `  without storms      ${withoutStorms} incidents; pages avoided ${withoutStorms - report.incidents.length}`,
        `  findings attached   ${report.attached} (openers included; ${report.attached - onGlobal} on group roll-ups, ${onGlobal} on the hourly-cap roll-up)`,
        `  executions          ${report.executions} (${(report.executions / total).toFixed(2)} per finding; ${report.writeBackEvents.events} write-back events, ${report.writeBackEvents.matched} matched)`,
        `  transitions         ${report.transitions} (${(report.transitions / total).toFixed(2)} per finding): own incident ${spread(transitionsOf(ownIds))}, attached ${spread(transitionsOf(attachedIds))}, roll-up opener ${spread(transitionsOf(openers))}`,
        `  duplicates          ${report.duplicates}, dropped deliveries ${report.droppedDeliveries}`,
        `  failures            ${report.failures.length}`,
        `  wall time           ${seconds.toFixed(2)} s`,
        `  findings/s          ${(total / seconds).toFixed(0)}`,
        ok ? "  result              every finding is on its own incident or on exactly one roll-up"
            : `  result              BROKEN: ${broken.length} finding(s) not on exactly one incident, ${report.failures.length} failure(s)`,
    ];
    // Each API's calls per second in the events' time, against its documented rate (lib/limits.ts API_RATES).
    lines.push("  API calls per second (events' time; every call of an execution at its start)");
    for (const r of callRates(calls)) {
        const limit = r.limit ? `documented ${r.limit.perSecond}/s, burst ${r.limit.burst}: ${r.overLimit} call(s) over it` : "no documented rate";
        lines.push(`    ${r.operation.padEnd(22)} ${String(r.calls).padStart(6)} calls, peak ${r.peakPerSecond}/s, busiest minute ${r.peakMinutePerSecond.toFixed(1)}/s; ${limit}`);
    }
    for (const line of broken.slice(0, 10)) lines.push(`    ${line}`);
    if (broken.length > 10) lines.push(`    and ${broken.length - 10} more`);
    for (const f of report.failures.slice(0, 10)) lines.push(`    ${f.source}: ${f.findingId}: ${f.error}${f.cause ? `: ${f.cause}` : ""}`);
    process.stdout.write(lines.join("\n") + "\n");
    process.exit(ok ? 0 : 1);
}

main().catch(err => {
    process.stderr.write(`bench:storm: ${(err as Error).message}\n`);
    process.exit(2);
});
