import * as crypto from "crypto";
import { Settings, stackPrefix, workflowSettingsOf } from "../lib/settings";
import { responsePlanArnBySeverity, responsePlanLayout } from "../lib/responsePlans";
import { buildEventPattern, buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { renderStateMachineDefinition, TASK_INTEGRATIONS, taskStates } from "../lib/stateMachineDefinition";
import { DynamoDbBackend, LocalDynamoDb } from "./localDynamoDb";
import { IncidentManagerStandIn } from "./incidentManagerStandIn";
import { OpsCenterStandIn } from "./opsCenterStandIn";
import { loadRunbook } from "../lib/runbook";
import { Delivery, failedExecutions, findingKey, PendingRetry, ReplayAccount } from "./replayAccount";
import { Fault, parseFault } from "./faults";
import { stuckClaims } from "./claims";
import { retryPolicyOf } from "../lib/failedExecutionRetry";
import { MOCK_ACCOUNT } from "./pulumiMocks";
import { eventMillis, eventsSource, ReplayEvent, ReplaySource } from "./findingInput";
import { compileSuppressions } from "../lib/suppressions";
import { AutomationRuleTiming } from "./securityHubStandIn";
import { OfflineWorkflow } from "./offlineWorkflow";

export interface SimulatedIncident {
    /** `finding`: the finding's own incident; `rollup`: a storm's roll-up (findingId is the finding that opened it). */
    kind: "finding" | "rollup";
    findingId: string;
    source: string;
    title: string;
    impact: number;
    relatedItems: Array<{ title: string; type: string; value: string }>;
    /** The response plan the incident was started with. */
    responsePlanArn: string;
    incidentArn: string;
    /** The incident this one follows, when the finding re-opened after it was resolved. */
    previousIncidentArn?: string;
    /** Backend opscenter: the OpsItem (incidentArn is its ARN; impact is its Priority; responsePlanArn is empty). */
    opsItem?: { id: string; arn: string; severity: string; priority: number };
    /**
     * Set when a more severe copy of a finding raised the incident's impact (escalation,
     * docs/lifecycle.md): `impact` (Incident Manager: the incident's impact; OpsCenter: the OpsItem's
     * Priority, with its `severity`) as it is at the replay's end, how many times it was raised and
     * when it was last (the event's time). `impact` and `opsItem` above keep what it was started with.
     */
    escalated?: { impact: number; severity?: string; times: number; at: string };
    /** Roll-ups: every finding on it (the one that opened it included), the group and the storm item. */
    findingIds?: string[];
    stormKey?: string;
    stormItem?: string;
}

export interface SimulatedFailure {
    findingId: string;
    source: string;
    error: string;
    cause?: string;
}

export type TimelineKind = "resolved" | "suppressed" | "archived" | "reopened" | "activity" | "escalated";

export interface SimulatedTimelineEvent {
    findingId: string;
    incidentArn: string;
    time: string;
    kind: TimelineKind;
}

export interface SimulationReport {
    /** Where the stack opens incidents (incidentBackend): with opscenter, every incident is an OpsItem. */
    backend: "incident-manager" | "opscenter";
    /** Backend opscenter: CreateOpsItem calls refused for the monthly quota (OpsItemLimitExceededException). */
    opsItemQuotaRefusals?: number;
    /**
     * Backend opscenter with opsItemStartRunbook: OpsItems whose runbook the workflow could not start
     * (throttled or refused for Automation's concurrency limit past the state's retries, or any
     * other error). Each OpsItem still exists, lists the runbook and says so in its
     * `securityhub-incidents:runbook-not-started` entry; the execution's output has RunbookNotStarted.
     */
    runbooksNotStarted?: number;
    /** Backend opscenter with opsItemStartRunbook: StartAutomationExecution calls refused with AutomationExecutionLimitExceededException. */
    runbookLimitRefusals?: number;
    /** Input events read. */
    events: number;
    /** Input events a rule sent to the workflow. */
    matched: number;
    /** Input events no rule sent, by the field of the findings rule's pattern that rejected them. */
    filtered: Record<string, number>;
    /** Events Security Hub emitted for the workflow's own updates, and how many of them a rule matched. */
    writeBackEvents: { events: number; matched: number };
    incidents: SimulatedIncident[];
    /** Deliveries the workflow stopped as duplicates of a finding that has its incident. */
    duplicates: number;
    /**
     * Deliveries the workflow stopped as duplicates while the finding had no incident: its claim
     * was held by an execution that then failed (or could not release it). Nothing opens an
     * incident for them; the finding waits for its next re-import.
     */
    droppedDeliveries: number;
    failures: SimulatedFailure[];
    /** Executions run (matched events × deliveries, write-back events included). */
    executions: number;
    transitions: number;
    /** Times the workflow marked a finding NOTIFIED (a re-open marks it again). */
    notified: number;
    timelineEvents: SimulatedTimelineEvent[];
    /**
     * Incidents whose impact a more severe copy of a finding raised (each counted once, however
     * many times it was raised; see SimulatedIncident.escalated). Each raise also adds an
     * `escalated` timeline event.
     */
    escalated: number;
    /** Re-opened findings: told on their open incident's timeline, or given a new linked incident. */
    reopened: { timeline: number; newIncident: number };
    /** Incidents the workflow resolved with their findings (resolveIncidentsWithFindings). */
    incidentsResolved: number;
    /** Incidents responders had resolved by the last event (--resolve-incidents-after). */
    resolvedByResponders: number;
    /** Findings attached to roll-ups instead of opening their own incidents (openers of roll-ups included). */
    attached: number;
    /** Findings the stack's suppression rules (suppressionsFile) set SUPPRESSED, per rule name (each finding counted once per rule). */
    suppressedByRule: Record<string, number>;
    /** New executions started for failed ones (the retry of failed executions, lib/failedExecutionRetry.ts). */
    retries: number;
    /** What became of each finding replayed, in the order of its first event. */
    findings: FindingOutcome[];
    /**
     * Findings whose record holds a live claim without an incident when the replay ends (scanned
     * from the dedup table): every later delivery of them would stop as a duplicate. Must be 0.
     */
    stuckClaims: number;
    /**
     * Runbook executions still running when the replay ends (Incident Manager backend: each
     * incident's plan starts one, the workflow stops it when it resolves the incident). Each holds
     * one of Automation's concurrent executions (100 by default) until it is stopped or its pauses
     * time out (runbookPauseTimeoutDays, which the replay does not apply). OpsCenter: the runbooks
     * the workflow started (opsItemStartRunbook), else 0.
     */
    runbooksRunning: number;
    /** Set when the replay was stopped (options.signal) before every finding was replayed: the report covers the findings begun. */
    interrupted?: boolean;
}

/** What became of one finding (the report's `findings`). */
export interface FindingOutcome {
    findingId: string;
    /** Where its first event came from (file and position). */
    source: string;
    /**
     * `incident`: its record links its own incident; `rollup`: a storm's roll-up; `filtered`: no
     * rule sent any of its events; `duplicate`: every execution stopped as a duplicate of a record
     * it did not open here; `failed`: its executions failed, retries included, and it has no
     * incident; `skipped`: the workflow ran and opened nothing (e.g. a lifecycle event without a
     * record), or the event carries no finding.
     */
    outcome: "incident" | "rollup" | "filtered" | "duplicate" | "failed" | "skipped";
    incidentArn?: string;
    /** `filtered`: every field of the pattern its (last) event fails, not only the first. */
    filteredBy?: string[];
}

export interface SimulationOptions {
    settings: Settings;
    stack: string;
    /** The events to replay, in memory; or `input`. */
    events?: ReplayEvent[];
    /** The events to replay, by finding, read as the replay goes (offline/findingInput.ts indexFindingInputs). */
    input?: ReplaySource;
    /** Deliver each matched event this many times at once (EventBridge is at-least-once). Default 1. */
    deliveries?: number;
    /** Findings replayed at the same time; one finding's events always run in time order. Default 16. */
    concurrency?: number;
    /** Responders resolve each incident this many milliseconds after it opened. Default: never. */
    resolveIncidentsAfterMs?: number;
    onProgress?: (done: number, total: number) => void;
    /** Filled with each finding's executions and state transitions (benchmarks read it). */
    perFinding?: Map<string, { executions: number; transitions: number }>;
    /**
     * Faults of Task states' service calls (`--fail <State>:<Error>[:<times>][:applied]`, see
     * offline/faults.ts), checked against the rendered definition before anything runs.
     */
    fail?: string[];
    /** Which DynamoDB answers (offline/localDynamoDb.ts): dynalite's code in process (default) or dynalite over HTTP. */
    dynamoDb?: DynamoDbBackend;
    /** Stops the replay: findings not yet begun are left out, those begun finish, and the report says `interrupted`. */
    signal?: AbortSignal;
    /** Handed every DynamoDB call and its outcome (the differential test records the workflow's calls). */
    onDynamoDbCall?: LocalDynamoDb["onCall"];
    /** The OpsCenter stand-in to replay against, for a stack with incidentBackend opscenter (tests lower its quota). */
    opsCenter?: () => OpsCenterStandIn;
    /** Handed every Task state's service call with its time in the events' clock (bench:storm measures the rates). */
    onTaskCall?: OfflineWorkflow["onTaskCall"];
    /** The Incident Manager stand-in to replay against (tests use it to inject faults). */
    incidentManager?: (responsePlanArn: string, allResponsePlanArns: string[]) => IncidentManagerStandIn;
    /**
     * Another workflow to replay instead of the stack's (the lifecycle benchmark replays the
     * seed's): its definition and rules, rendered for the given table and plan.
     */
    workflow?: (names: { tableName: string; responsePlanArn: string }) => { definition: Record<string, any>; patterns: Record<string, Record<string, unknown>> };
    /** The day the suppression rules are compiled for (their expiry), as the program would deploy them. Default: today. */
    now?: Date;
    /** When Security Hub sends an automation rule's update (see AutomationRuleTiming). Default: "separate-event". */
    automationRuleTiming?: AutomationRuleTiming;
}

/** An OpsItem the replay's workflow created, as the report lists incidents. */
function simulatedOpsItem(opsCenter: OpsCenterStandIn, arn: string, findingId: string, source: string, storm?: Record<string, any>): SimulatedIncident {
    const item = opsCenter.opsItem(arn)!;
    const data = item.request.OperationalData ?? {};
    const previousIncidentArn = data["securityhub-incidents:previous-incident"]?.Value;
    const resources = (() => {
        try {
            return (JSON.parse(data["/aws/resources"]?.Value ?? "[]") as Array<{ arn: string }>).map(r => ({ title: "Related resource", type: "/aws/resources", value: r.arn }));
        } catch {
            return [];
        }
    })();
    return {
        kind: storm ? "rollup" : "finding",
        findingId,
        source,
        title: item.request.Title,
        impact: item.request.Priority ?? 0,
        relatedItems: [...resources, ...(item.request.RelatedOpsItems ?? []).map(r => ({ title: "Previous OpsItem", type: "RelatedOpsItems", value: r.OpsItemId }))],
        responsePlanArn: "",
        incidentArn: arn,
        ...(previousIncidentArn ? { previousIncidentArn } : {}),
        opsItem: { id: item.opsItemId, arn: item.opsItemArn, severity: item.request.Severity ?? "", priority: item.request.Priority ?? 0 },
        ...(storm ? { findingIds: [], stormKey: storm.StormKey, stormItem: storm.StormItem } : {}),
    };
}

/**
 * The stack's rules, as components/findingEventRule.ts declares them: per enabled format, findings
 * to open incidents for and (with the write-back) their lifecycle. ASFF's are named `findings` and
 * `lifecycle`, OCSF's `ocsf-findings` and `ocsf-lifecycle`.
 */
export function stackRules(settings: Settings): Record<string, Record<string, unknown>> {
    const formats = settings.findingFormats ?? ["ASFF"];
    return {
        ...(formats.includes("ASFF") ? { findings: buildEventPattern(settings) } : {}),
        ...(formats.includes("ASFF") && settings.notifyFindings ? { lifecycle: buildLifecyclePattern(settings) } : {}),
        ...(formats.includes("OCSF") ? { "ocsf-findings": buildOcsfEventPattern(settings) } : {}),
        ...(formats.includes("OCSF") && settings.notifyFindings ? { "ocsf-lifecycle": buildOcsfLifecyclePattern(settings) } : {}),
    };
}


/** What the replay knows of one finding while its events run. */
interface FindingState {
    hasIncident: boolean;
    incidentArn?: string;
    rollup?: boolean;
    matched: boolean;
    /** The finding's last delivery no rule matched (its failing fields are worked out at the end, once). */
    lastFiltered?: Delivery;
    runs: number;
    failedRuns: number;
    duplicateRuns: number;
    /** The finding's own incidents (not roll-ups), retired with it when its events are over. */
    ownIncidents: string[];
}

/**
 * Replays events through what a stack would deploy: its rules, then its rendered state machine on
 * the offline engines, against one Security Hub, dedup table and Incident Manager for the whole
 * replay (as in the account). Each finding's events run in the order of their time, and each
 * execution starts at its event's time; different findings run side by side.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
    // One finding's events in time order (file order for equal or missing times), findings by their first event.
    const source = options.input ?? eventsSource(options.events ?? []);
    const findings = source.findings();
    let next = 0;
    const pending: AsyncIterator<FindingQueue> = {
        async next() {
            return next < findings.length ? { done: false, value: source.eventsOf(findings[next++]) } : { done: true, value: undefined };
        },
    };
    try {
        return await replay(options, pending, source.events);
    } finally {
        source.close?.();
    }
}

/** One finding's events in time order, each with its input order (and its eventMillis, when the source worked it out already). */
type FindingQueue = Array<{ order: number; item: ReplayEvent; millis?: number }>;

/** What simulateFindings replays: the options of simulate, the events given one finding at a time. */
export interface FindingStreamOptions extends Omit<SimulationOptions, "events" | "input"> {
    /**
     * Each finding's events (all of one finding, in any order: they are sorted by time), the
     * findings in the order of their first event's time, as they would reach the account. Read
     * lazily, `concurrency` findings ahead at most: memory holds the findings being replayed, not
     * the whole input.
     */
    findings: AsyncIterable<ReplayEvent[]> | Iterable<ReplayEvent[]>;
    /** Events in all, when known (handed to onProgress as its total; 0 when not given). */
    totalEvents?: number;
}

/**
 * simulate for input generated on the fly (bench:month): the same replay, fed one finding at a
 * time. The report's `events` counts the events read.
 */
export async function simulateFindings(options: FindingStreamOptions): Promise<SimulationReport> {
    const source = Symbol.asyncIterator in options.findings
        ? (options.findings as AsyncIterable<ReplayEvent[]>)[Symbol.asyncIterator]()
        : (options.findings as Iterable<ReplayEvent[]>)[Symbol.iterator]();
    let order = 0;
    const queues: AsyncIterator<FindingQueue> = {
        async next() {
            const next = await source.next();
            if (next.done) return { done: true, value: undefined };
            // Each event's time parsed once, not once per comparison.
            const queue = next.value.map(item => ({ order: order++, item, millis: eventMillis(item.event) }));
            queue.sort((a, b) => (a.millis - b.millis) || a.order - b.order);
            return { done: false, value: queue };
        },
    };
    return replay({ ...options, events: [] }, queues, options.totalEvents ?? 0, () => order);
}

/**
 * The replay behind simulate and simulateFindings: `pending` gives one finding's queue at a time,
 * in the order findings start.
 */
async function replay(options: SimulationOptions, pending: AsyncIterator<FindingQueue>, totalEvents: number, eventsRead?: () => number): Promise<SimulationReport> {
    const { settings, stack } = options;
    const deliveries = options.deliveries ?? 1;
    const tableName = settings.tableName ?? `${stackPrefix(stack)}-dedup`;
    // The stack's plans as the program declares them (lib/responsePlans.ts): the default one and, with responsePlans, one per severity group.
    const layout = responsePlanLayout(settings, stack);
    const planArn = (plan: { responsePlanName: string }) => `arn:aws:ssm-incidents::${MOCK_ACCOUNT}:response-plan/${plan.responsePlanName}`;
    const responsePlanArn = planArn(layout.defaultPlan);
    const backend = settings.incidentBackend ?? "incident-manager";
    const { definition, patterns } = options.workflow?.({ tableName, responsePlanArn }) ?? {
        definition: renderStateMachineDefinition({
            tableName,
            ...(backend === "incident-manager" ? { responsePlanArn, responsePlanArnBySeverity: responsePlanArnBySeverity(layout, planArn) } : {}),
            // Offline, the runbook is named after its component, as the Pulumi mocks name resources.
            ...workflowSettingsOf(settings, `${layout.defaultPlan.runbookComponentName}-document`),
        }),
        patterns: stackRules(settings),
    };

    // Refused before anything runs: an unknown state, or an error its service does not return.
    const faults: Fault[] = (options.fail ?? []).map(spec => parseFault(spec, definition));
    const retryPolicy = retryPolicyOf(settings);

    const dynamoDb = await LocalDynamoDb.start({ backend: options.dynamoDb });
    dynamoDb.onCall = options.onDynamoDbCall;
    try {
        await dynamoDb.createDedupTable(tableName);
        const incidentManager = options.incidentManager?.(responsePlanArn, layout.plans.map(planArn)) ?? new IncidentManagerStandIn(layout.plans.map(planArn));
        incidentManager.respondersResolveAfterMs = options.resolveIncidentsAfterMs;
        // The account has the stack's runbook (named as the Pulumi mocks name it): StartAutomationExecution checks its parameters.
        if (backend === "opscenter" && settings.opsItemStartRunbook) {
            incidentManager.automation.registerDocument(`${layout.defaultPlan.runbookComponentName}-document`, (loadRunbook(settings.runbookPath).document.parameters ?? {}) as Record<string, { type?: string; default?: unknown }>);
        }
        // The offline engine's state machine is in us-east-1 of the mock account: so are its OpsItems.
        const opsCenter = backend === "opscenter" ? options.opsCenter?.() ?? new OpsCenterStandIn(MOCK_ACCOUNT, "us-east-1") : undefined;
        if (opsCenter) opsCenter.respondersResolveAfterMs = options.resolveIncidentsAfterMs;
        // The stack's suppression rules, as the program would declare them (lib/suppressions.ts).
        const automationRules = compileSuppressions(settings.suppressions, { formats: settings.findingFormats ?? ["ASFF"], followIncidents: settings.notifyFindings, now: options.now ?? new Date() });
        const account = new ReplayAccount({ definition, patterns, dynamoDb, incidents: incidentManager, opsCenter, automationRules, automationRuleTiming: options.automationRuleTiming });
        for (const fault of faults) account.workflow.faults.arm(fault);
        // The stand-in's call records are for tests: a month of events keeps only the latest.
        account.securityHub.historyLimit = 1000;
        account.workflow.onTaskCall = options.onTaskCall;
        const startIncidentStates = taskStates(definition).filter(t => ["startIncident", "createOpsItem"].includes(TASK_INTEGRATIONS[t.state.Resource]?.operation)).map(t => t.name);
        const report: SimulationReport = {
            backend,
            events: totalEvents, matched: 0, filtered: {}, writeBackEvents: { events: 0, matched: 0 }, incidents: [], duplicates: 0, droppedDeliveries: 0,
            failures: [], executions: 0, transitions: 0, notified: 0, timelineEvents: [], escalated: 0, reopened: { timeline: 0, newIncident: 0 }, incidentsResolved: 0, resolvedByResponders: 0, attached: 0, suppressedByRule: {},
            retries: 0, findings: [], stuckClaims: 0, runbooksRunning: 0,
        };
        const opened: Array<{ order: number; incident: SimulatedIncident }> = [];
        const failed: Array<{ order: number; failure: SimulatedFailure }> = [];
        const timeline: Array<{ order: number; event: SimulatedTimelineEvent }> = [];
        let lastTime = "";
        const seen = new Set<string>();
        const attachedTo: Array<{ incidentArn: string; findingId: string }> = [];
        // Escalations applied (AddEscalatedTimeline ran), per incident: how many, and the last one's time.
        const escalations = new Map<string, { times: number; at: string }>();
        // Keys of effects counted once, by their hash: a month holds one per finding and effect, and the keys are long (notes, ARNs).
        const once = (key: string) => {
            const digest = crypto.createHash("sha1").update(key).digest("base64");
            return !seen.has(digest) && Boolean(seen.add(digest));
        };

        // Texts every incident of the report repeats (plan ARNs, related items' titles and types):
        // one copy each, not one per incident of a month.
        const commonTexts = new Map<string, string>();
        const common = (text: string) => {
            const known = commonTexts.get(text);
            if (known !== undefined) return known;
            if (commonTexts.size < 1000) commonTexts.set(text, text);
            return text;
        };

        /** Counts one delivery's executions and what they did. */
        const tally = (delivery: Delivery, order: number, item: ReplayEvent, state: FindingState) => {
            const findingId = item.findingId ?? "(none)";
            let duplicateRuns = 0;
            const counted = options.perFinding && (options.perFinding.get(findingId) ?? { executions: 0, transitions: 0 });
            if (counted) options.perFinding!.set(findingId, counted);
            for (const run of delivery.runs) {
                report.executions++;
                report.transitions += run.transitions;
                if (counted) {
                    counted.executions++;
                    counted.transitions += run.transitions;
                }
                if (run.states.includes("DuplicateFinding")) duplicateRuns++;
                const outputs = run.taskOutputs as Record<string, Record<string, any> | undefined>;
                // opsItemStartRunbook: a runbook the workflow could not start, once per OpsItem.
                // (A caught error's output is not a task output: RecordRunbook's input, or the execution's output, carries it.)
                const notStarted = [outputs.RecordRunbook, outputs.RecordRollupRunbook, run.output as Record<string, any> | undefined].find(o => o?.RunbookNotStarted);
                if (notStarted && once(`runbook-not-started|${notStarted.IncidentArn}`)) report.runbooksNotStarted = (report.runbooksNotStarted ?? 0) + 1;
                const results = run.taskResults as Record<string, Record<string, any> | undefined>;
                // Whatever state started the incident (the seed's workflow names it differently).
                // With OpsCenter, a create refused as a duplicate (a retry after a lost response) finds the OpsItem instead.
                const found = [outputs.FindOpsItem, outputs.FindRollupOpsItem].find(o => o?.OpsItemFound === true)?.IncidentArn as string | undefined;
                const openedArn = (startIncidentStates.map(name => results[name]?.IncidentRecordArn ?? results[name]?.OpsItemArn).find(Boolean) as string | undefined) ?? found;
                if (openedArn) {
                    state.hasIncident = true;
                    state.incidentArn = openedArn;
                    state.rollup = Boolean(outputs.OpenRollup ?? outputs.FindRollupOpsItem);
                    if (!state.rollup && !state.ownIncidents.includes(openedArn)) state.ownIncidents.push(openedArn);
                }
                // Racing roll-up openers get the same incident (one client token): count it once.
                if (openedArn && opsCenter && once(`incident|${openedArn}`)) {
                    opened.push({ order, incident: simulatedOpsItem(opsCenter, openedArn, findingId, item.source, outputs.OpenRollup ?? outputs.FindRollupOpsItem) });
                    if (opened[opened.length - 1].incident.previousIncidentArn) report.reopened.newIncident++;
                } else if (openedArn && once(`incident|${openedArn}`)) {
                    const incident = incidentManager.incident(openedArn)!;
                    const previousIncidentArn = incident.request.RelatedItems?.find(r => r.Identifier.Type === "INCIDENT")?.Identifier.Value.Arn as string | undefined;
                    const storm = outputs.OpenRollup;
                    state.hasIncident = true;
                    opened.push({
                        order,
                        incident: {
                            kind: storm ? "rollup" : "finding",
                            findingId,
                            source: item.source,
                            title: incident.request.Title ?? "",
                            impact: incident.request.Impact ?? 0,
                            relatedItems: (incident.request.RelatedItems ?? []).map(r => ({
                                title: common(r.Title ?? ""),
                                type: common(r.Identifier.Type),
                                value: String(Object.values(r.Identifier.Value)[0]),
                            })),
                            responsePlanArn: common(incident.request.ResponsePlanArn),
                            incidentArn: openedArn,
                            ...(previousIncidentArn ? { previousIncidentArn } : {}),
                            ...(storm ? { findingIds: [], stormKey: storm.StormKey, stormItem: storm.StormItem } : {}),
                        },
                    });
                    if (previousIncidentArn) report.reopened.newIncident++;
                }
                // Concurrent deliveries may repeat an idempotent step: count each distinct effect once.
                const notified = outputs.NotifyFinding ?? outputs.NotifyFindingV2;
                if (notified && once(`notified|${findingId}|${notified.NoteText}`)) report.notified++;
                const closed = outputs.AddClosedTimeline;
                if (closed && once(`timeline|${closed.IncidentArn}|${closed.Kind}|${closed.At}`)) {
                    timeline.push({ order, event: { findingId, incidentArn: closed.IncidentArn, time: closed.At, kind: closed.Kind } });
                }
                const reopened = outputs.AddReopenedTimeline;
                if (reopened && once(`timeline|${reopened.IncidentArn}|reopened|${reopened.ReopenedAt}`)) {
                    timeline.push({ order, event: { findingId, incidentArn: reopened.IncidentArn, time: reopened.ReopenedAt, kind: reopened.Kind === "activity" ? "activity" : "reopened" } });
                    report.reopened.timeline++;
                }
                const escalated = outputs.AddEscalatedTimeline;
                if (escalated && once(`escalated|${escalated.IncidentArn}|${escalated.Impact}`)) {
                    const at = typeof delivery.event.time === "string" ? delivery.event.time : delivery.startTime;
                    timeline.push({ order, event: { findingId, incidentArn: escalated.IncidentArn, time: at, kind: "escalated" } });
                    const seenBefore = escalations.get(escalated.IncidentArn);
                    escalations.set(escalated.IncidentArn, { times: (seenBefore?.times ?? 0) + 1, at: seenBefore && seenBefore.at > at ? seenBefore.at : at });
                }
                if (outputs.ResolveIncident) report.incidentsResolved++;
                const attached = outputs.AttachFinding;
                // A finding on a roll-up has its incident: its repeats are suppressed duplicates (issue 14, item 10).
                if (attached) {
                    state.hasIncident = true;
                    state.incidentArn = attached.IncidentArn;
                    state.rollup = true;
                }
                if (attached && once(`attached|${attached.IncidentArn}|${findingId}`)) {
                    report.attached++;
                    attachedTo.push({ incidentArn: attached.IncidentArn, findingId });
                }
                state.runs++;
                if (run.states.includes("DuplicateFinding")) state.duplicateRuns++;
                if (run.status === "FAILED") {
                    state.failedRuns++;
                    failed.push({ order, failure: { findingId, source: item.source, error: run.error ?? "Failed", cause: run.cause } });
                }
            }
            if (state.hasIncident) report.duplicates += duplicateRuns;
            else report.droppedDeliveries += duplicateRuns;
            for (const echo of delivery.echoes) {
                report.writeBackEvents.events++;
                if (echo.rule) report.writeBackEvents.matched++;
                tally(echo, order, item, state);
            }
        };

        let done = 0;
        let endMillis = 0;
        const outcomes: Array<{ order: number; outcome: FindingOutcome }> = [];
        const replayQueue = async (queue: FindingQueue) => {
            // Whether this finding has an incident yet: only then is a duplicate a suppressed one.
            const state: FindingState = { hasIncident: false, matched: false, runs: 0, failedRuns: 0, duplicateRuns: 0, ownIncidents: [] };
            // The retry of this finding's failed executions, on the events' clock (lib/failedExecutionRetry.ts).
            const retries: Array<PendingRetry & { order: number; item: ReplayEvent; due: number }> = [];
            const scheduleRetries = (delivery: Delivery, order: number, item: ReplayEvent, attempt: number) => {
                if (attempt > retryPolicy.attempts) return;
                for (const f of failedExecutions(delivery)) {
                    retries.push({ ...f, attempt, order, item, due: Date.parse(f.stoppedAt) + retryPolicy.delaySeconds * 1000 });
                }
            };
            const retryUntil = async (until: number) => {
                for (;;) {
                    retries.sort((a, b) => a.due - b.due);
                    if (retries.length === 0 || !(retries[0].due <= until)) return;
                    const retry = retries.shift()!;
                    const delivery = await account.startExecution(retry.event, new Date(retry.due).toISOString());
                    report.retries++;
                    endMillis = Math.max(endMillis, retry.due);
                    tally(delivery, retry.order, { ...retry.item, source: `${retry.item.source}, retry ${retry.attempt}` }, state);
                    scheduleRetries(delivery, retry.order, retry.item, retry.attempt + 1);
                }
            };
            for (const { order, item, millis: known } of queue) {
                const millis = known ?? eventMillis(item.event);
                if (!Number.isNaN(millis)) await retryUntil(millis);
                const delivery = await account.deliverFromInput(item.event, deliveries);
                if (delivery.rule) {
                    report.matched++;
                    state.matched = true;
                } else if (delivery.filteredBy) {
                    report.filtered[delivery.filteredBy] = (report.filtered[delivery.filteredBy] ?? 0) + 1;
                    state.lastFiltered = delivery;
                }
                const time = item.event.time;
                if (typeof time === "string" && time > lastTime && !Number.isNaN(Date.parse(time))) lastTime = time;
                if (!Number.isNaN(millis)) endMillis = Math.max(endMillis, millis);
                tally(delivery, order, item, state);
                scheduleRetries(delivery, order, item, 1);
                options.onProgress?.(++done, totalEvents);
            }
            await retryUntil(Infinity);
            // The finding's events are over: what the stand-ins keep of it (its stored finding, its own
            // incidents) is packed until something reads it again. Roll-ups serve other findings and
            // are left as they are. How memory holds them, not what they answer (docs/performance.md).
            for (const key of new Set(queue.map(q => findingKey(q.item.event)))) {
                if (key?.startsWith("ASFF|")) account.securityHub.retire(key.slice("ASFF|".length));
            }
            if (!opsCenter) for (const arn of state.ownIncidents) incidentManager.retire(arn);
            const [{ order, item }] = queue;
            const outcome: FindingOutcome["outcome"] = state.incidentArn ? (state.rollup ? "rollup" : "incident")
                : !state.matched && item.findingId !== undefined ? "filtered"
                : state.failedRuns > 0 ? "failed"
                : state.runs > 0 && state.duplicateRuns === state.runs ? "duplicate"
                : "skipped";
            outcomes.push({
                order,
                outcome: {
                    findingId: item.findingId ?? "(none)",
                    source: item.source,
                    outcome,
                    ...(state.incidentArn ? { incidentArn: state.incidentArn } : {}),
                    ...(outcome === "filtered" ? { filteredBy: state.lastFiltered?.filteredFields ?? [] } : {}),
                },
            });
        };
        // Findings start in the order of their first event's time, as they would reach the account
        // (storm counting depends on it); up to `concurrency` of them run side by side, each
        // worker taking the next finding as its last one ends.
        let exhausted = false;
        const take = async () => {
            if (exhausted || options.signal?.aborted) return undefined;
            const next = await pending.next();
            if (next.done) exhausted = true;
            return next.done ? undefined : next.value;
        };
        const workers = Array.from({ length: options.concurrency ?? 16 }, async () => {
            for (let queue = await take(); queue; queue = await take()) if (queue.length > 0) await replayQueue(queue);
        });
        await Promise.all(workers);
        if (eventsRead) report.events = eventsRead();

        if (lastTime) {
            const at = new Date(Date.parse(lastTime)).toISOString();
            report.resolvedByResponders = opsCenter
                ? opsCenter.opsItemsAt(at).filter(i => i.resolvedBy === "responder").length
                : incidentManager.incidentsAt(at).filter(i => i.resolvedBy === "responder").length;
        }
        if (opsCenter) report.opsItemQuotaRefusals = opsCenter.limitExceeded;
        if (opsCenter && incidentManager.automation.callsOf.startAutomationExecution > 0) {
            report.runbookLimitRefusals = incidentManager.automation.limitExceeded;
            report.runbooksNotStarted ??= 0;
        }
        // Report in input order, whatever order the concurrent replay finished in.
        report.incidents = opened.sort((a, b) => a.order - b.order).map(o => o.incident);
        // The impact an escalation raised an incident to, as the backend holds it at the end.
        for (const incident of report.incidents) {
            const raised = escalations.get(incident.incidentArn);
            if (!raised) continue;
            const item = opsCenter?.opsItem(incident.incidentArn);
            const impact = item ? item.request.Priority ?? 0 : incidentManager.incident(incident.incidentArn)?.request.Impact ?? incident.impact;
            incident.escalated = { impact, ...(item ? { severity: item.request.Severity ?? "" } : {}), ...raised };
        }
        report.escalated = report.incidents.filter(i => i.escalated).length;
        const rollups = new Map(report.incidents.filter(i => i.kind === "rollup").map(i => [i.incidentArn, i]));
        for (const { incidentArn, findingId } of attachedTo) rollups.get(incidentArn)?.findingIds!.push(findingId);
        report.failures = failed.sort((a, b) => a.order - b.order).map(f => f.failure);
        report.timelineEvents = timeline.sort((a, b) => a.order - b.order).map(t => t.event);
        for (const u of account.securityHub.automationUpdates) {
            if ((u.status !== "SUPPRESSED" && u.status !== "Suppressed") || !once(`suppressed|${u.suppression}|${u.format}|${u.key}`)) continue;
            report.suppressedByRule[u.suppression] = (report.suppressedByRule[u.suppression] ?? 0) + 1;
        }
        report.findings = outcomes.sort((a, b) => a.order - b.order).map(o => o.outcome);
        // Claims left live without an incident, as the table holds them when the last execution ended.
        report.stuckClaims = (await stuckClaims(dynamoDb, tableName, new Date(endMillis || Date.now()).toISOString())).length;
        // OpsCenter: the runbooks the workflow started itself (opsItemStartRunbook) run in the same Automation.
        report.runbooksRunning = incidentManager.automation.running();
        if (options.signal?.aborted && !exhausted && !(await pending.next()).done) report.interrupted = true;
        return report;
    } finally {
        await dynamoDb.stop();
    }
}
