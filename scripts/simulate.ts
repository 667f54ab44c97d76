/**
 * Replays Security Hub findings offline through what a stack would deploy and reports which
 * incidents it would open.
 *   npm run simulate -- [--stack <name>] [--stack-file <file>] [--deliveries N] [--fail <State>:<Error>[:<times>]] [--dynamodb in-process|dynalite] [--limit N] [--json] [--output <file>] [FILE|DIR ...]
 */
import * as fs from "fs";
import * as path from "path";
import { bundledRunbookPath, ConfigurationError, loadSettings, RUNBOOK_LANGUAGES, settingWarnings, Settings } from "../lib/settings";
import { stackRunbookProblems, opsCenterRunbookProblems } from "../lib/runbook";
import { PLAN_DYNAMIC_PARAMETERS } from "../lib/runbookParameters";
import { responsePlanLayout } from "../lib/responsePlans";
import { indexFindingInputs, InputProblem, InputProblems } from "../offline/findingInput";
import { parseCommandLine, wholeNumber } from "../offline/commandLine";
import { fsReason } from "../offline/fsMessages";
import { FilesRead, outputFileRefusal, writeStandardOutput } from "../offline/outputTarget";
import { escapeControls, escapeLines, forTerminal, safeJson } from "../offline/safeText";
import { simulate, SimulationReport } from "../offline/simulation";
import { FaultSpecError } from "../offline/faults";
import { DYNAMODB_BACKENDS, DynamoDbBackend } from "../offline/localDynamoDb";
import { PROJECT_DIR, readStackConfig, stackName } from "../offline/stackConfig";

const USAGE = `usage: npm run simulate -- [options] [FILE|DIR ...]

Replays Security Hub findings through a stack's event pattern and state machine, offline.
FILE: an EventBridge event, a JSON array of events, JSON Lines (.jsonl) or the output of
\`aws securityhub get-findings\`; DIR: every .json and .jsonl file in it. Default: the bundled
samples. Relative paths are taken from the directory you run npm in.

options:
  --stack <name>         stack whose settings to use (Pulumi.<name>.yaml; default dev)
  --stack-file <file>    read the settings from this file (stack name: --stack, else the
                         <name> of a file named Pulumi.<name>.yaml)
  --deliveries <N>       deliver each matched event N times at once (1-1000; default 1)
  --resolve-incidents-after <duration>
                         responders resolve each incident this long after it opened, e.g.
                         72h, 3d, 90m (default: never), so re-opens after a fix can be replayed
  --fail <State>:<Error>[:<times>][:applied]
                         the service call of Task state <State> fails with <Error> (the
                         name the state sees, e.g. SsmIncidents.ThrottlingException) the next
                         <times> calls (default: every call); :applied carries each call out
                         and loses only its response. Repeatable. Failed executions are
                         retried as the stack would (failedExecutionRetry* settings)
  --dynamodb <backend>   in-process (default): dynalite's own DynamoDB code in the replaying
                         process; dynalite: the same emulator as a server over HTTP (slower)
  --limit <N>            replay only the first N findings (in input order), for a quick look
  --progress             progress on stderr even when it is not a terminal (a log, a CI job)
  --json                 print one JSON document (the report, or {"error": ...} on exit 2)
  --output <file>        write the report to <file> instead of standard output
  -h, --help             print this help and exit
  --                     what follows is a FILE or DIR, even if it starts with -

Progress goes to stderr when it is a terminal. Ctrl-C (or SIGTERM) stops the replay: the findings
begun finish, the report so far is written marked "interrupted", and the exit status is 130 (143).

exit status: 0 replayed; 1 an execution failed; 2 bad options, bad settings or unreadable input;
130/143 interrupted`;

const SAMPLES_DIR = path.join(PROJECT_DIR, "samples", "findings");

/** Relative paths are the user's: npm runs scripts in the project root but records where it was started. */
const BASE_DIR = process.env.INIT_CWD && path.isAbsolute(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();

interface Args {
    stack?: string;
    stackFile?: string;
    deliveries: number;
    dynamoDb?: DynamoDbBackend;
    limit?: number;
    resolveIncidentsAfterMs?: number;
    json: boolean;
    progress: boolean;
    output?: string;
    help: boolean;
    files: string[];
    /** --fail specs, checked against the stack's definition once its settings are read. */
    fail: string[];
}

type ErrorKind = "usage" | "config" | "input" | "output" | "internal";

/** Exit 2: what went wrong, each problem with where (option, file, position) and why. */
class Failure extends Error {
    /** Standard output itself failed: the error document is not tried there again. */
    stdoutFailed = false;
    constructor(readonly kind: ErrorKind, message: string, readonly problems: InputProblem[]) {
        super(message);
    }
}

/** Reads every argument; collects all problems instead of stopping at the first. */
function parseArgs(argv: string[]): { args: Args; problems: InputProblem[] } {
    const line = parseCommandLine(argv, {
        flags: ["--json", "--help", "--progress"],
        values: { "--stack": "a stack name", "--stack-file": "a file", "--deliveries": "a number from 1 to 1000", "--output": "a file", "--resolve-incidents-after": "a duration such as 72h", "--fail": "<State>:<Error>[:<times>]", "--dynamodb": DYNAMODB_BACKENDS.join(" or "), "--limit": "a number of findings" },
        positionals: true,
        repeatable: ["--fail"],
    });
    const problems = line.problems;
    const args: Args = {
        stack: line.values.get("--stack"),
        stackFile: line.values.get("--stack-file"),
        output: line.values.get("--output"),
        deliveries: 1,
        json: line.flags.has("--json"),
        progress: line.flags.has("--progress"),
        help: line.flags.has("--help"),
        files: line.positionals,
        fail: line.repeated.get("--fail") ?? [],
    };
    const deliveries = line.values.get("--deliveries");
    if (deliveries !== undefined) {
        const n = wholeNumber("--deliveries", deliveries, 1, 1000);
        if (typeof n === "number") args.deliveries = n;
        else problems.push({ source: "--deliveries", reason: n.problem });
    }
    const limit = line.values.get("--limit");
    if (limit !== undefined) {
        const n = wholeNumber("--limit", limit, 1, Number.MAX_SAFE_INTEGER);
        if (typeof n === "number") args.limit = n;
        else problems.push({ source: "--limit", reason: n.problem });
    }
    const backend = line.values.get("--dynamodb");
    if (backend !== undefined) {
        if ((DYNAMODB_BACKENDS as string[]).includes(backend)) args.dynamoDb = backend as DynamoDbBackend;
        else problems.push({ source: "--dynamodb", reason: `--dynamodb ${JSON.stringify(escapeControls(backend))} is not a DynamoDB backend; give ${DYNAMODB_BACKENDS.join(" or ")}` });
    }
    const resolveAfter = line.values.get("--resolve-incidents-after");
    if (resolveAfter !== undefined) {
        const ms = duration(resolveAfter);
        if (typeof ms === "number") args.resolveIncidentsAfterMs = ms;
        else problems.push({ source: "--resolve-incidents-after", reason: ms.problem });
    }
    if (args.stack !== undefined || args.stackFile !== undefined) {
        try {
            stackName(args.stack, args.stackFile === undefined ? undefined : path.resolve(BASE_DIR, args.stackFile));
        } catch (err) {
            problems.push({ source: args.stack !== undefined ? "--stack" : "--stack-file", reason: escapeControls((err as Error).message) });
        }
    }
    return { args, problems };
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as 90m, 72h or 3d (at most 3650 days), in milliseconds. */
function duration(text: string): number | { problem: string } {
    const match = /^(\d{1,7})([mhd])$/.exec(text);
    const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
    if (!match || ms <= 0 || ms > 3650 * DURATION_UNITS.d) {
        return { problem: `--resolve-incidents-after ${JSON.stringify(escapeControls(text))} is not a duration; give a whole number of minutes, hours or days from 1m to 3650d, such as 90m, 72h or 3d` };
    }
    return ms;
}

function progressBar(enabled: boolean) {
    if (!enabled) return undefined;
    let last = -1;
    return (done: number, total: number) => {
        const percent = Math.floor((done / total) * 100);
        if (percent === last && done !== total) return;
        last = percent;
        const filled = Math.round(percent / 5);
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${percent}% ${done}/${total} events${done === total ? "\n" : ""}`);
    };
}

/** Problems listed on a terminal (skipped input, warnings, unreadable files); --json has them all. */
const MAX_LISTED = 50;

function listed(problems: InputProblem[], line: (p: InputProblem) => string): string[] {
    const lines = problems.slice(0, MAX_LISTED).map(line);
    if (problems.length > MAX_LISTED) lines.push(`  … and ${problems.length - MAX_LISTED} more (--json lists them all)`);
    return lines;
}

/** A finding id short enough for a report line: what follows the ARN's last ":", at most 48 characters (the end kept). */
export function shortFindingId(id: string): string {
    const tail = id.startsWith("arn:") ? id.slice(id.lastIndexOf(":") + 1) : id;
    return tail.length > 48 ? `…${tail.slice(-47)}` : tail;
}

/** An input position relative to where the user ran the command. */
function shownSource(source: string): string {
    return path.isAbsolute(source) ? path.relative(BASE_DIR, source) || source : source;
}

/** Findings of the input whose product the findings rule's productNames filter drops, per format and product. */
export function productsExcludedIn(products: Iterable<{ format: "ASFF" | "OCSF"; product: string; findings: number }>, settings: Settings): Array<{ format: string; product: string; findings: number }> {
    const formats = settings.findingFormats ?? ["ASFF"];
    return [...products].filter(p => formats.includes(p.format) && !settings.productNames.includes(p.product)).map(p => ({ format: p.format, product: p.product, findings: p.findings }));
}

/** The human report. Everything taken from the findings goes through forTerminal. */
function human(report: SimulationReport, context: { stack: string; filter: string; inputs: string; input: InputProblems; deliveries: number; productsExcluded: Array<{ format: string; product: string; findings: number }> }): string {
    const t = forTerminal;
    const lines: string[] = [];
    const pad = (label: string, value: number | string) => `  ${label.padEnd(22)}${value}`;
    const { skipped, warnings } = context.input;
    lines.push(`Stack ${t(context.stack)}: ${t(context.filter)}`);
    lines.push(`Replayed ${t(context.inputs)}${context.deliveries > 1 ? `, each matched event delivered ${context.deliveries} times at once` : ""}`);
    lines.push(report.backend === "opscenter" ? "Incident backend: opscenter (incidents are OpsItems in Systems Manager OpsCenter)" : "Incident backend: incident-manager");
    if (report.interrupted) lines.push("INTERRUPTED: the report covers only the findings begun before the replay was stopped");
    lines.push("");
    lines.push(pad("events read", report.events));
    if (skipped.length > 0) lines.push(pad("input skipped", `${skipped.length} (listed below)`));
    if (warnings.length > 0) lines.push(pad("input warnings", `${warnings.length} (listed below)`));
    lines.push(pad("matched by a rule", report.matched));
    lines.push(pad("filtered out", Object.values(report.filtered).reduce((a, b) => a + b, 0)));
    for (const [field, n] of Object.entries(report.filtered).sort()) lines.push(`    - ${t(field)}: ${n}`);
    if (context.productsExcluded.length > 0) {
        // Whatever their severity: the productNames setting drops these producers (docs/producers.md).
        lines.push(pad("not in productNames", context.productsExcluded.map(p => `${t(p.product)} (${p.format}) ${p.findings} finding${p.findings === 1 ? "" : "s"}`).join(", ")));
    }
    if (report.writeBackEvents.events > 0) lines.push(pad("write-back events", `${report.writeBackEvents.events} (Security Hub's events for the workflow's own updates; ${report.writeBackEvents.matched} matched a rule)`));
    const rollups = report.incidents.filter(i => i.kind === "rollup");
    lines.push(pad("incidents opened", `${report.incidents.length}${rollups.length > 0 ? ` (${rollups.length} storm roll-ups, ${report.attached} findings on them)` : ""}`));
    lines.push(pad("findings notified", report.notified));
    lines.push(pad("timeline events", report.timelineEvents.length));
    lines.push(pad("escalated", `${report.escalated} incident${report.escalated === 1 ? "" : "s"} (impact raised by a more severe copy of a finding)`));
    lines.push(pad("re-opened", `${report.reopened.timeline + report.reopened.newIncident} (${report.reopened.timeline} on their open incident's timeline, ${report.reopened.newIncident} as a new linked incident)`));
    lines.push(pad("incidents resolved", `${report.incidentsResolved} by the workflow, ${report.resolvedByResponders} by responders`));
    lines.push(pad("duplicates suppressed", report.duplicates));
    const byRule = Object.entries(report.suppressedByRule ?? {});
    if (byRule.length > 0) {
        lines.push(pad("suppressed by rules", `${byRule.reduce((n, [, c]) => n + c, 0)} findings (suppressionsFile)`));
        for (const [rule, n] of byRule.sort()) lines.push(`    - ${t(rule)}: ${n}`);
    }
    if (report.droppedDeliveries > 0) lines.push(pad("dropped deliveries", `${report.droppedDeliveries} (stopped as duplicates while a failed attempt held the claim: no incident)`));
    lines.push(pad("failures", `${report.failures.length}${report.retries > 0 ? ` (${report.retries} retries of failed executions)` : ""}`));
    const failedFindings = report.findings.filter(f => f.outcome === "failed").length;
    if (failedFindings > 0) lines.push(pad("findings failed", `${failedFindings} (still failing after the last retry: the failed-findings queue)`));
    lines.push(pad("stuck claims", `${report.stuckClaims}${report.stuckClaims > 0 ? " (live claims without an incident: later deliveries stop as duplicates)" : ""}`));
    if (report.backend !== "opscenter" || report.runbooksNotStarted !== undefined) lines.push(pad("runbooks running", `${report.runbooksRunning} (each holds one of Automation's 100 concurrent executions until it is stopped: resolveIncidentsWithFindings stops a resolved incident's)`));
    if (report.runbooksNotStarted !== undefined) lines.push(pad("runbooks not started", `${report.runbooksNotStarted} OpsItems (opsItemStartRunbook: the start failed past its retries, ${report.runbookLimitRefusals ?? 0} calls refused for Automation's concurrency limit; each OpsItem lists the runbook and has a runbook-not-started entry)`));
    lines.push(pad("executions", `${report.executions} (${report.transitions} state transitions)`));
    if (report.opsItemQuotaRefusals) lines.push(pad("OpsItem quota", `${report.opsItemQuotaRefusals} creates refused (OpsItemLimitExceededException: 10,000 OpsItems per account and month; the claims were given back and the findings retried)`));
    if (report.incidents.length > 0 && report.backend === "opscenter") {
        lines.push("", "OpsItems:");
        for (const incident of report.incidents) {
            const o = incident.opsItem!;
            lines.push(`  ${t(o.id)}  severity ${t(o.severity)}, priority ${o.priority}  ${t(incident.title)}`);
            lines.push(`            ${t(o.arn)}`);
            lines.push(`            finding: ${t(shortFindingId(incident.findingId))}  from ${t(shownSource(incident.source))}`);
            if (incident.escalated) lines.push(`            escalated: severity ${t(incident.escalated.severity ?? "")}, priority ${incident.escalated.impact} (from ${t(o.severity)}, ${o.priority}; ${escalations(incident.escalated)})`);
            if (incident.previousIncidentArn) lines.push(`            re-opened: follows ${t(incident.previousIncidentArn)}`);
        }
    } else if (report.incidents.length > 0) {
        lines.push("", "Incidents:");
        for (const incident of report.incidents) {
            lines.push(`  impact ${incident.impact}  ${t(incident.title)}`);
            lines.push(`            finding: ${t(shortFindingId(incident.findingId))}  from ${t(shownSource(incident.source))}`);
            lines.push(`            plan: ${t(incident.responsePlanArn.split("/").pop() ?? incident.responsePlanArn)}`);
            lines.push(`            related: ${incident.relatedItems.map(r => t(r.title)).join(", ") || "none"}`);
            // The plan stays the first severity's: UpdateIncidentRecord changes the impact only.
            if (incident.escalated) lines.push(`            escalated: impact ${incident.escalated.impact} (from ${incident.impact}; ${escalations(incident.escalated)}; the plan stays)`);
            if (incident.previousIncidentArn) lines.push(`            re-opened: follows ${t(incident.previousIncidentArn)}`);
        }
    }
    if (rollups.length > 0) {
        lines.push("", "Storm roll-ups:");
        for (const r of rollups) lines.push(`  ${t(r.stormKey ?? "")}, window ${t(r.stormItem?.split("|").pop() ?? "")}: ${r.findingIds!.length} findings attached  ${t(r.title)}`);
    }
    if (report.timelineEvents.length > 0) {
        lines.push("", "Timeline events:");
        lines.push(...listed(report.timelineEvents.map(e => ({ source: e.time, reason: `${e.kind.padEnd(10)} ${e.findingId}` })), e => `  ${t(e.source)}  ${t(e.reason)}`));
    }
    if (report.failures.length > 0) {
        lines.push("", "Failures:");
        for (const f of report.failures) lines.push(`  ${t(f.source)}: ${t(f.findingId)}: ${t(f.error)}${f.cause ? `: ${t(f.cause)}` : ""}`);
    }
    if (warnings.length > 0) {
        lines.push("", "Warnings:");
        lines.push(...listed(warnings, w => `  ${t(w.source)}: ${t(w.reason)}`));
    }
    if (skipped.length > 0) {
        lines.push("", "Skipped input:");
        lines.push(...listed(skipped, s => `  ${t(s.source)}: ${t(s.reason)}`));
    }
    return lines.join("\n") + "\n";
}

/** How often and when an incident was raised, for the human report. */
function escalations(e: NonNullable<SimulationReport["incidents"][number]["escalated"]>): string {
    return `${e.times === 1 ? "once" : `${e.times} times`}, last at ${forTerminal(e.at)}`;
}

/** The --json document (documented in the README). */
function jsonReport(report: SimulationReport, input: InputProblems, productsExcluded: Array<{ format: string; product: string; findings: number }>) {
    return {
        ...(report.interrupted ? { interrupted: true } : {}),
        backend: report.backend,
        events: report.events,
        matched: report.matched,
        filtered: report.filtered,
        writeBackEvents: report.writeBackEvents,
        incidents: report.incidents.map(i => ({
            kind: i.kind, findingId: i.findingId, source: i.source, title: i.title, impact: i.impact, relatedItems: i.relatedItems, responsePlanArn: i.responsePlanArn, incidentArn: i.incidentArn,
            ...(i.previousIncidentArn ? { previousIncidentArn: i.previousIncidentArn } : {}),
            ...(i.opsItem ? { opsItem: i.opsItem } : {}),
            ...(i.escalated ? { escalated: i.escalated } : {}),
            ...(i.kind === "rollup" ? { findingIds: i.findingIds, stormKey: i.stormKey } : {}),
        })),
        duplicates: report.duplicates,
        droppedDeliveries: report.droppedDeliveries,
        failures: report.failures.map(f => ({ findingId: f.findingId, source: f.source, error: f.error, cause: f.cause ?? "" })),
        executions: report.executions,
        transitions: report.transitions,
        notified: report.notified,
        timelineEvents: report.timelineEvents,
        escalated: report.escalated,
        reopened: report.reopened,
        incidentsResolved: report.incidentsResolved,
        resolvedByResponders: report.resolvedByResponders,
        attached: report.attached,
        suppressedByRule: report.suppressedByRule,
        // Issue 15: what became of every finding, and claims left without an incident (must be 0).
        retries: report.retries,
        findings: report.findings,
        stuckClaims: report.stuckClaims,
        runbooksRunning: report.runbooksRunning,
        ...(report.runbooksNotStarted !== undefined ? { runbooksNotStarted: report.runbooksNotStarted, runbookLimitRefusals: report.runbookLimitRefusals ?? 0 } : {}),
        skipped: input.skipped,
        warnings: input.warnings,
        // Findings of the input whose product productNames drops (any severity), per format and product.
        productsExcluded,
    };
}

/**
 * Where --output may go, settled before anything else (offline/outputTarget.ts): never onto a
 * file the replay reads or any file but an earlier report, on every exit path.
 */
interface OutputTarget {
    /** The resolved --output, undefined without one. */
    target?: string;
    /** Why it is refused; then nothing is written to it, not even the error document. */
    refusal?: Failure;
}

function outputTarget(args: Args, read: FilesRead): OutputTarget {
    if (args.output === undefined) return {};
    const target = path.resolve(BASE_DIR, args.output);
    const reason = outputFileRefusal(args.output, target, read, PROJECT_DIR);
    if (reason === undefined) return { target };
    const shown = escapeControls(target);
    return { target, refusal: new Failure("output", `--output ${shown} ${reason}`, [{ source: shown, reason }]) };
}

/** What the replay reads before its settings are known: its inputs, the stack file, the bundled runbooks. */
function filesReadBeforeSettings(args: Args): FilesRead {
    return {
        inputs: inputPaths(args),
        stackFile: args.stackFile !== undefined ? path.resolve(BASE_DIR, args.stackFile) : path.join(PROJECT_DIR, `Pulumi.${args.stack ?? "dev"}.yaml`),
        runbooks: RUNBOOK_LANGUAGES.map(language => bundledRunbookPath(PROJECT_DIR, language)),
    };
}

const inputPaths = (args: Args) => args.files.length > 0 ? args.files.map(f => path.resolve(BASE_DIR, f)) : [SAMPLES_DIR];

function writeOutput(output: string, text: string): void {
    try {
        fs.writeFileSync(output, text);
    } catch (err) {
        throw new Failure("output", `--output ${escapeControls(output)} cannot be written: ${fsReason(err)}`, [{ source: escapeControls(output), reason: `cannot be written: ${fsReason(err)}` }]);
    }
}

async function run(args: Args, output: OutputTarget): Promise<number> {
    let settings: Settings;
    let stack: string;
    try {
        const config = readStackConfig(args.stack, PROJECT_DIR, args.stackFile, BASE_DIR);
        stack = config.stack;
        settings = loadSettings(config.read, PROJECT_DIR, undefined, config.values["aws:region"]);
        // Plan names that would be too long with this stack's name are bad settings too.
        const layout = responsePlanLayout(settings, stack);
        // The runbooks, checked as the program checks them before `pulumi preview` declares anything.
        const runbookProblems = stackRunbookProblems(layout.plans, PLAN_DYNAMIC_PARAMETERS, { pauseTimeoutSeconds: settings.runbookPauseTimeoutDays * 86400 });
        if (settings.incidentBackend === "opscenter" && settings.opsItemStartRunbook) runbookProblems.push(...opsCenterRunbookProblems(layout.defaultPlan.runbookPath, { pauseTimeoutSeconds: settings.runbookPauseTimeoutDays * 86400 }));
        if (runbookProblems.length > 0) throw new ConfigurationError(runbookProblems);
    } catch (err) {
        const message = escapeLines((err as Error).message);
        const source = args.stackFile !== undefined ? escapeControls(path.resolve(BASE_DIR, args.stackFile)) : `Pulumi.${escapeControls(args.stack ?? "dev")}.yaml`;
        // One problem per line, each its own entry.
        throw new Failure("config", message, message.split("\n").map(reason => ({ source, reason })));
    }
    // What `pulumi preview` would warn about (e.g. OCSF on while the workflow cannot read it yet).
    for (const warning of settingWarnings(settings)) process.stderr.write(`simulate: warning: ${escapeLines(warning)}\n`);
    const files = inputPaths(args);
    // The runbooks are known now: the report may not replace one either.
    const before = filesReadBeforeSettings(args);
    const runbooks = [...before.runbooks ?? [], settings.runbookPath, ...Object.values(settings.responsePlans ?? {}).map(p => p.runbookPath)];
    const refused = outputTarget(args, { ...before, runbooks }).refusal;
    if (refused) throw refused;
    // The index pass: every file read as a stream, each event's place kept, not the event.
    const inputs = indexFindingInputs(files, BASE_DIR);
    if (inputs.unreadable.length > 0) throw new Failure("input", "nothing was replayed; fix or leave out the files above", inputs.unreadable);
    const source = inputs.input;
    if (args.limit !== undefined) source.limit(args.limit);
    // Ctrl-C or SIGTERM: stop taking new findings, then write what was replayed.
    const stop = new AbortController();
    let stoppedBy: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (stoppedBy) process.exit(signal === "SIGINT" ? 130 : 143);
        stoppedBy = signal;
        process.stderr.write(`\nsimulate: ${signal}: finishing the findings begun, then writing the report so far (again to quit at once)\n`);
        stop.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let report: SimulationReport;
    try {
        report = await simulate({
            settings,
            stack,
            input: source,
            signal: stop.signal,
            deliveries: args.deliveries,
            dynamoDb: args.dynamoDb,
            resolveIncidentsAfterMs: args.resolveIncidentsAfterMs,
            fail: args.fail,
            onProgress: progressBar(args.progress || (process.stderr.isTTY === true && source.events >= 200)),
        });
    } catch (err) {
        // An unknown state or an error its service does not return: refused before anything ran.
        if (err instanceof FaultSpecError) throw new Failure("usage", escapeControls(err.message), [{ source: "--fail", reason: escapeControls(err.message) }]);
        throw err;
    }

    const productsExcluded = productsExcludedIn(source.products.values(), settings);
    let text: string;
    if (args.json) {
        text = safeJson(jsonReport(report, inputs, productsExcluded)) + "\n";
    } else {
        const asff = settings.findingFormats.includes("ASFF");
        const ocsf = settings.findingFormats.includes("OCSF");
        const filter = `${asff ? "" : "OCSF "}findings rule matches severity ${settings.severityLabels.join("/")}, record state ${settings.recordStates.join("/")}, workflow status ${settings.workflowStatuses.join("/")}, product ${settings.productNames.join("/")}`
            + (asff && ocsf ? " (ASFF and OCSF rules alike)" : "")
            + (settings.notifyFindings ? `; ${asff && ocsf ? "lifecycle rules match" : "lifecycle rule matches"} findings with an incident that were resolved, suppressed or archived` : "");
        const shown = args.files.length > 0 ? files.join(", ") : `the bundled samples (${path.relative(BASE_DIR, SAMPLES_DIR) || SAMPLES_DIR})`;
        text = human(report, { stack, filter, inputs: shown, input: inputs, deliveries: args.deliveries, productsExcluded });
    }
    if (output.target !== undefined) {
        writeOutput(output.target, text);
        process.stderr.write(`simulate: report written to ${escapeControls(output.target)}\n`);
    } else {
        await toStandardOutput(text);
    }
    if (stoppedBy) return stoppedBy === "SIGINT" ? 130 : 143;
    return report.failures.length > 0 ? 1 : 0;
}

/** Writes to standard output; a failed write (a full disk, a closed pipe) is a Failure. */
async function toStandardOutput(text: string): Promise<void> {
    const failed = await writeStandardOutput(text);
    if (failed === undefined) return;
    const failure = new Failure("output", `standard output cannot be written: ${failed}`, [{ source: "standard output", reason: `cannot be written: ${failed}` }]);
    failure.stdoutFailed = true;
    throw failure;
}

/**
 * Exit 2: one line per problem on stderr; under --json also the error document, in --output when
 * that was found safe to write (never when --output itself is the problem), else on stdout.
 */
async function reportFailure(failure: Failure, args: Args | undefined, output: OutputTarget = {}): Promise<number> {
    const lines = failure.kind === "usage" || failure.kind === "input"
        ? listed(failure.problems, p => failure.kind === "usage" ? p.reason : `${p.source}: ${p.reason}`)
        : [];
    for (const line of lines) process.stderr.write(line.startsWith("  …") ? `simulate: ${line.trim()}\n` : `simulate: ${line}\n`);
    if (failure.kind !== "usage") for (const line of failure.message.split("\n")) process.stderr.write(`simulate: ${line}\n`);
    else process.stderr.write(`${USAGE.split("\n")[0]}\n(npm run simulate -- --help for every option)\n`);
    if (args?.json && !failure.stdoutFailed) {
        const document = safeJson({ error: { kind: failure.kind, message: failure.message, problems: failure.problems } }) + "\n";
        // The error document replaces a report the caller would otherwise find stale in --output.
        let written = false;
        if (output.target !== undefined && output.refusal === undefined && failure.kind !== "output") {
            try {
                fs.writeFileSync(output.target, document);
                written = true;
            } catch {
                written = false;
            }
        }
        // A failure of this write is not reported again: the lines above say what went wrong.
        if (!written) await writeStandardOutput(document);
    }
    return 2;
}

async function main(): Promise<number> {
    const { args, problems } = parseArgs(process.argv.slice(2));
    if (args.help) {
        const failed = await writeStandardOutput(USAGE + "\n");
        if (failed === undefined) return 0;
        process.stderr.write(`simulate: standard output cannot be written: ${failed}\n`);
        return 2;
    }
    // Before any other check: every exit path below may write the error document to --output.
    const output = outputTarget(args, filesReadBeforeSettings(args));
    if (problems.length > 0) {
        if (output.refusal) problems.push({ source: "--output", reason: output.refusal.message });
        return reportFailure(new Failure("usage", problems.map(p => p.reason).join("; "), problems), args, output);
    }
    if (output.refusal) return reportFailure(output.refusal, args, output);
    try {
        return await run(args, output);
    } catch (err) {
        if (err instanceof Failure) return reportFailure(err, args, output);
        const message = escapeControls((err as Error)?.message ?? String(err));
        return reportFailure(new Failure("internal", message, [{ source: "simulate", reason: message }]), args, output);
    }
}

main().then(code => process.exit(code), err => {
    process.stderr.write(`simulate: ${escapeControls((err as Error)?.message ?? String(err))}\n`);
    process.exit(2);
});
