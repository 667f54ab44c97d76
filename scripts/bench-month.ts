/**
 * Benchmark of a month of an organisation's findings (issue 17): about 1,000,000 events of
 * 100,000 findings with a realistic mix of lives (scripts/support/monthPopulation.ts), generated
 * lazily and replayed through the prod stack (its settings loader, rules and rendered definition,
 * as `npm run simulate -- --stack prod` would) one finding at a time, so that memory holds the
 * findings being replayed and what the stand-ins keep, not the month.
 * Responders resolve each incident 72 hours after it opened (as in bench:lifecycle).
 *   npm run bench:month -- [--findings N] [--concurrency C] [--dynamodb in-process|dynalite] [--resolve-after-hours H] [--config KEY=VALUE]...
 * `--config` sets one of the prod stack's settings for the run (e.g.
 * `--config escalateNotifiedControlFindings=true`, to measure what a setting costs), read through the
 * same settings loader.
 * Prints one figure a line. Peak memory is measured: the most resident memory this process and
 * its children (the dynalite server with --dynamodb dynalite) held at once, sampled from /proc
 * every 200 ms, and at least this process's own peak (VmHWM).
 */
import * as fs from "fs";
import * as os from "os";
import { loadSettings } from "../lib/settings";
import { simulateFindings } from "../offline/simulation";
import { DYNAMODB_BACKENDS, DynamoDbBackend } from "../offline/localDynamoDb";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { ReplayEvent } from "../offline/findingInput";
import { cpuSeconds, peakRss } from "./support/measure";
import { MONTH_LIVES, MonthLife, monthPopulation } from "./support/monthPopulation";

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
    return value;
}

/** Resident memory (VmRSS) of a process, in bytes; 0 when it cannot be read. */
function rss(pid: number | "self"): number {
    try {
        const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Number(match[1]) * 1024 : 0;
    } catch {
        return 0;
    }
}

/** This process's descendants, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
    const found: number[] = [];
    const visit = (p: number) => {
        let tasks: string[] = [];
        try {
            tasks = fs.readdirSync(`/proc/${p}/task`);
        } catch {
            return;
        }
        for (const tid of tasks) {
            let children = "";
            try {
                children = fs.readFileSync(`/proc/${p}/task/${tid}/children`, "utf8");
            } catch {
                continue;
            }
            for (const child of children.split(" ").filter(Boolean).map(Number)) {
                found.push(child);
                visit(child);
            }
        }
    };
    visit(pid);
    return found;
}

/** Samples the resident memory of this process and its children; `peak` is the most seen at once. */
function memorySampler(everyMs: number): { peak: () => number; stop: () => void } {
    let peak = 0;
    const sample = () => {
        const total = rss("self") + descendants(process.pid).reduce((sum, pid) => sum + rss(pid), 0);
        peak = Math.max(peak, total);
    };
    sample();
    const timer = setInterval(sample, everyMs);
    timer.unref();
    return {
        peak: () => {
            sample();
            return Math.max(peak, peakRss("self") ?? 0);
        },
        stop: () => clearInterval(timer),
    };
}

const number = (n: number) => n.toLocaleString("en-US");
const mb = (bytes: number) => `${number(Math.round(bytes / 1024 / 1024))} MB`;

async function main() {
    const findings = option("findings", 100000);
    const concurrency = option("concurrency", 16);
    const resolveAfterHours = option("resolve-after-hours", 72);
    const backendAt = process.argv.indexOf("--dynamodb");
    const dynamoDb = backendAt >= 0 ? process.argv[backendAt + 1] as DynamoDbBackend : undefined;
    if (dynamoDb !== undefined && !DYNAMODB_BACKENDS.includes(dynamoDb)) throw new Error(`--dynamodb must be ${DYNAMODB_BACKENDS.join(" or ")}`);
    const overrides: Record<string, string> = {};
    process.argv.forEach((arg, i) => {
        if (arg !== "--config") return;
        const pair = process.argv[i + 1] ?? "";
        const at = pair.indexOf("=");
        if (at < 1) throw new Error(`--config must be KEY=VALUE (a setting of the prod stack), not ${JSON.stringify(pair)}`);
        overrides[pair.slice(0, at)] = pair.slice(at + 1);
    });
    const stackFile = readStackConfig("prod");
    const settings = loadSettings(key => overrides[key] ?? stackFile.read(key), PROJECT_DIR);

    const lives: Record<MonthLife, number> = Object.fromEntries(MONTH_LIVES.map(l => [l, 0])) as Record<MonthLife, number>;
    let generated = 0;
    // The month, one finding at a time: the generator builds a finding's events when the replay
    // asks for it, and nothing keeps them after.
    function* month(): Generator<ReplayEvent[]> {
        for (const finding of monthPopulation({ findings })) {
            lives[finding.life]++;
            generated += finding.events.length;
            yield finding.events;
        }
    }

    const memory = memorySampler(200);
    const load = os.loadavg()[0];
    const started = process.hrtime.bigint();
    const cpuStarted = cpuSeconds();
    const report = await simulateFindings({
        settings, stack: "prod", findings: month(), concurrency, dynamoDb,
        resolveIncidentsAfterMs: resolveAfterHours * 3600 * 1000,
        onProgress: process.stderr.isTTY ? (done) => {
            if (done % 50000 === 0) process.stderr.write(`bench:month: ${number(done)} events replayed\n`);
        } : undefined,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = cpuSeconds() - cpuStarted;
    const peak = memory.peak();
    memory.stop();
    const usage = process.resourceUsage();

    const replayed = report.findings.length;
    const outcomes: Record<string, number> = {};
    for (const f of report.findings) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
    const filtered = Object.values(report.filtered).reduce((sum, n) => sum + n, 0);
    const ok = report.events === generated && replayed === findings && report.failures.length === 0 && report.stuckClaims === 0;
    const lines = [
        `bench:month on ${os.cpus().length} CPU(s), Node ${process.version}, stack prod${Object.keys(overrides).length > 0 ? ` (${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(", ")})` : ""}, concurrency ${concurrency}, DynamoDB ${dynamoDb ?? "in-process"}, load average ${load.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end`,
        `wall time  ${seconds.toFixed(1)} s`,
        `CPU time  ${cpu.toFixed(1)} s`,
        `events  ${number(report.events)}`,
        `events/s  ${number(Math.round(report.events / seconds))}`,
        `events/CPU s  ${number(Math.round(report.events / cpu))}`,
        `findings  ${number(replayed)}`,
        `findings/s  ${number(Math.round(replayed / seconds))}`,
        `lives  ${MONTH_LIVES.map(l => `${l} ${number(lives[l])}`).join(", ")}`,
        `events stopped at the rule  ${number(filtered)}`,
        `events matched  ${number(report.matched)}`,
        `executions  ${number(report.executions)}`,
        `state transitions  ${number(report.transitions)}`,
        `write-back events  ${number(report.writeBackEvents.events)} (${number(report.writeBackEvents.matched)} matched)`,
        `incidents  ${number(report.incidents.length)} (${number(report.incidents.filter(i => i.kind === "rollup").length)} roll-ups, ${number(report.attached)} findings attached to roll-ups)`,
        `re-opened  ${number(report.reopened.newIncident)} new linked incidents, ${number(report.reopened.timeline)} on the open incident's timeline`,
        `resolved by responders  ${number(report.resolvedByResponders)}`,
        `outcomes  ${Object.entries(outcomes).map(([k, n]) => `${k} ${number(n)}`).join(", ")}`,
        `failures  ${number(report.failures.length)}`,
        `stuck claims  ${number(report.stuckClaims)}`,
        `peak memory  ${mb(peak)} (this process and its children, sampled; this process's own peak ${mb(peakRss("self") ?? 0)}, maxRSS ${mb(usage.maxRSS * 1024)})`,
        ok ? "result  every event replayed, no failure, no stuck claim" : "result  UNEXPECTED: see the counts above",
    ];
    process.stdout.write(lines.join("\n") + "\n");
    process.exit(ok ? 0 : 1);
}

main().catch(err => {
    process.stderr.write(`bench:month: ${(err as Error).message}\n`);
    process.exit(2);
});
