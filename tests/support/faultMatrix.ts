/**
 * The fault matrix: every Task state of the rendered definition × every error class its service
 * can return × the scenarios that reach the state, each checked against the invariant
 * (docs/failures.md):
 *
 *   When an execution ends, for its finding exactly one holds: its record links its incident (its
 *   own, or a roll-up it is on); or no live claim remains, the failure is reported (a FAILED
 *   execution, the alarm) and the finding is retried. No path leaves a live claim without an incident.
 *
 * Then the failed executions are retried (lib/failedExecutionRetry.ts, as the account does) and the
 * finding is re-imported 12 h later; the end must be the fault-free run's end (same incidents, same
 * record, same write-back). tests/faultMatrix.test.ts runs a fixed subset; scripts/bench-faults.ts
 * runs every cell and prints the matrix.
 */
import { loadSettings } from "../../lib/settings";
import { NOTE_CLOSED_PREFIX, NOTE_OPEN_PREFIX, renderStateMachineDefinition, taskStates, WorkflowInputs } from "../../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../../lib/severity";
import { retryPolicyOf } from "../../lib/failedExecutionRetry";
import { LocalDynamoDb } from "../../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../../offline/incidentManagerStandIn";
import { OpsCenterStandIn } from "../../offline/opsCenterStandIn";
import { MOCK_ACCOUNT } from "../../offline/pulumiMocks";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY, IncidentBackend } from "../../lib/config/backend";
import { Delivery, failedExecutions, ReplayAccount, retryFailedExecutions } from "../../offline/replayAccount";
import { stackRules } from "../../offline/simulation";
import { PROJECT_DIR } from "../../offline/stackConfig";
import { Fault, FAULT_CLASSES, FaultClass, faultOfClass } from "../../offline/faults";
import { stuckClaims } from "../../offline/claims";
import { ACCOUNT, at, findingEvent, findingId, ocsfFindingEvent } from "./findings";

const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-faults`;
const T0 = Date.parse("2026-11-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One step of a scenario: an import (as Security Hub sends it) or a redelivery of the same event. */
interface Step { event: Record<string, any>; redeliver?: boolean }

export interface Scenario {
    name: string;
    /** Workflow toggles beyond the matrix's base (both formats, write-back on). */
    inputs: Partial<WorkflowInputs>;
    /** Builds the events afresh (new finding ids): steps before the fault, the steps under it, and the finding watched. */
    build(): { setup: Step[]; act: Step[]; finding: string };
}

const control = (id: string, controlId = "S3.8") => {
    const event = findingEvent({ id });
    event.detail.findings[0].Compliance.SecurityControlId = controlId;
    event.detail.findings[0].GeneratorId = `security-control/${controlId}`;
    return event;
};
/**
 * A standard's own finding of a control (consolidated control findings off: its ID names the
 * standard's subscription, as in AWS's sample-control-findings): findings of several standards
 * for one control and resource share a problem group and one incident (problem-facts.jsonata).
 */
const standardFinding = (uuidOf: string, controlId: string, standard: string) => {
    const id = `arn:aws:securityhub:ap-northeast-1:${ACCOUNT}:subscription/${standard}/v/1.0.0/${controlId}/finding/${uuidOf.split("/").pop()}`;
    return { id, event: control(id, controlId) };
};
let controls = 0;
/** A control of its own, so that a scenario's findings never count towards another's storm. */
const ownControl = () => `X${++controls}.1`;
const ocsfAt = (uid: string, ms: number, o: Parameters<typeof ocsfFindingEvent>[0] = {}) => ({ ...ocsfFindingEvent({ uid, ...o, time: new Date(ms).toISOString() }), time: iso(ms) });

export const SCENARIOS: Scenario[] = [
    {
        name: "new",
        inputs: {},
        build() {
            const id = findingId();
            return { setup: [], act: [{ event: at(control(id, ownControl()), iso(T0)) }], finding: id };
        },
    },
    {
        name: "duplicate",
        inputs: {},
        build() {
            const id = findingId();
            const first = at(control(id, ownControl()), iso(T0));
            return { setup: [{ event: first }], act: [{ event: first, redeliver: true }], finding: id };
        },
    },
    {
        name: "close",
        inputs: { resolveIncidentsWithFindings: true },
        build() {
            const id = findingId();
            const base = control(id, ownControl());
            return { setup: [{ event: at(base, iso(T0)) }], act: [{ event: at(base, iso(T0 + DAY), { compliance: "PASSED" }) }], finding: id };
        },
    },
    {
        name: "reopen-open",
        inputs: {},
        build() {
            const id = findingId();
            const base = control(id, ownControl());
            return {
                setup: [{ event: at(base, iso(T0)) }, { event: at(base, iso(T0 + 20 * MINUTE), { compliance: "PASSED" }) }],
                act: [{ event: at(base, iso(T0 + HOUR), { compliance: "FAILED" }) }],
                finding: id,
            };
        },
    },
    {
        name: "reopen-resolved",
        inputs: { resolveIncidentsWithFindings: true },
        build() {
            const id = findingId();
            const base = control(id, ownControl());
            return {
                setup: [{ event: at(base, iso(T0)) }, { event: at(base, iso(T0 + DAY), { compliance: "PASSED" }) }],
                act: [{ event: at(base, iso(T0 + 10 * DAY), { compliance: "FAILED" }) }],
                finding: id,
            };
        },
    },
    {
        name: "storm-open",
        inputs: { storms: { stormThreshold: 2 } },
        build() {
            const c = ownControl();
            const ids = [findingId(), findingId(), findingId()];
            const events = ids.map((id, i) => at(control(id, c), iso(T0 + i * MINUTE)));
            return { setup: events.slice(0, 2).map(event => ({ event })), act: [{ event: events[2] }], finding: ids[2] };
        },
    },
    {
        name: "storm-attach",
        inputs: { storms: { stormThreshold: 2 } },
        build() {
            const c = ownControl();
            const ids = [findingId(), findingId(), findingId(), findingId()];
            const events = ids.map((id, i) => at(control(id, c), iso(T0 + i * MINUTE)));
            return { setup: events.slice(0, 3).map(event => ({ event })), act: [{ event: events[3] }], finding: ids[3] };
        },
    },
    {
        name: "storm-close",
        inputs: { storms: { stormThreshold: 1 }, resolveIncidentsWithFindings: true },
        build() {
            const c = ownControl();
            const ids = [findingId(), findingId(), findingId()];
            const bases = ids.map(id => control(id, c));
            return {
                setup: bases.map((b, i) => ({ event: at(b, iso(T0 + i * MINUTE)) })),
                act: [{ event: at(bases[1], iso(T0 + HOUR), { compliance: "PASSED" }) }],
                finding: ids[1],
            };
        },
    },
    {
        name: "storm-reopen",
        inputs: { storms: { stormThreshold: 1 }, resolveIncidentsWithFindings: true },
        build() {
            const c = ownControl();
            const ids = [findingId(), findingId(), findingId()];
            const bases = ids.map(id => control(id, c));
            return {
                setup: [...bases.map((b, i) => ({ event: at(b, iso(T0 + i * MINUTE)) })), { event: at(bases[1], iso(T0 + HOUR), { compliance: "PASSED" }) }],
                act: [{ event: at(bases[1], iso(T0 + 2 * HOUR), { compliance: "FAILED" }) }],
                finding: ids[1],
            };
        },
    },
    {
        name: "ocsf-new",
        inputs: {},
        build() {
            const id = findingId();
            return { setup: [], act: [{ event: ocsfAt(id, T0) }], finding: id };
        },
    },
    {
        name: "ocsf-close",
        inputs: {},
        build() {
            const id = findingId();
            return { setup: [{ event: ocsfAt(id, T0) }], act: [{ event: ocsfAt(id, T0 + DAY, { compliance: "Pass", statusId: 4, severityId: 1 }) }], finding: id };
        },
    },
    {
        name: "ocsf-twin",
        inputs: {},
        build() {
            const id = findingId();
            return { setup: [{ event: at(control(id, ownControl()), iso(T0)) }], act: [{ event: ocsfAt(id, T0 + MINUTE) }], finding: id };
        },
    },
    {
        // The first standard's finding of a problem group opens the group's incident (issue 16 item 3).
        name: "problem-open",
        inputs: {},
        build() {
            const { id, event } = standardFinding(findingId(), ownControl(), "aws-foundational-security-best-practices");
            return { setup: [], act: [{ event: at(event, iso(T0)) }], finding: id };
        },
    },
    {
        // A second standard's finding of the same control and resource attaches to it.
        name: "problem-attach",
        inputs: {},
        build() {
            const c = ownControl();
            const first = standardFinding(findingId(), c, "aws-foundational-security-best-practices");
            const second = standardFinding(findingId(), c, "pci-dss");
            return { setup: [{ event: at(first.event, iso(T0)) }], act: [{ event: at(second.event, iso(T0 + MINUTE)) }], finding: second.id };
        },
    },
    {
        // The group's incident was resolved with its only finding: a later standard's finding renews the group and opens a new one.
        name: "problem-renew",
        inputs: { resolveIncidentsWithFindings: true },
        build() {
            const c = ownControl();
            const first = standardFinding(findingId(), c, "aws-foundational-security-best-practices");
            const second = standardFinding(findingId(), c, "pci-dss");
            return {
                setup: [{ event: at(first.event, iso(T0)) }, { event: at(first.event, iso(T0 + HOUR), { compliance: "PASSED" }) }],
                act: [{ event: at(second.event, iso(T0 + DAY)) }],
                finding: second.id,
            };
        },
    },
    {
        // The OCSF twin of a HIGH finding arrives CRITICAL: the incident's impact is raised (issue 16 item 7).
        name: "escalate",
        inputs: {},
        build() {
            const id = findingId();
            const first = at(control(id, ownControl()), iso(T0));
            return { setup: [{ event: first }], act: [{ event: ocsfAt(id, T0 + MINUTE, { severityId: 5 }) }], finding: id };
        },
    },
];

const COMMON_INPUTS = { dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, notifyFindings: true, findingFormats: ["ASFF", "OCSF"] };
const BASE_INPUTS = { ...COMMON_INPUTS, responsePlanArn: PLAN };
/** The matrix's inputs per incident backend (lib/config/backend.ts): the same workflow, the backend's states. */
const INPUTS_BY_BACKEND: Record<IncidentBackend, Partial<WorkflowInputs>> = {
    "incident-manager": BASE_INPUTS,
    // With opsItemStartRunbook, so that the states that start, record and stop the runbook are rows too.
    opscenter: { ...COMMON_INPUTS, incidentBackend: "opscenter", opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document", startRunbook: true } },
};
const render = (backend: IncidentBackend, inputs: Partial<WorkflowInputs>) => renderStateMachineDefinition({ ...INPUTS_BY_BACKEND[backend], tableName: "faults", ...inputs } as WorkflowInputs);

/** The definition every toggle on: the matrix's rows are its Task states. */
export function fullDefinition(backend: IncidentBackend = "incident-manager"): Record<string, any> {
    return render(backend, { resolveIncidentsWithFindings: true, storms: { stormThreshold: 2 } });
}

export function matrixStates(backend: IncidentBackend = "incident-manager"): string[] {
    return taskStates(fullDefinition(backend)).map(t => t.name);
}

const SETTINGS = loadSettings(key => ({ findingFormats: '["ASFF","OCSF"]' } as Record<string, string>)[key], PROJECT_DIR);
const PATTERNS = stackRules(SETTINGS);
/** The retry of failed executions with the settings' defaults. */
export const RETRY_POLICY = retryPolicyOf(SETTINGS);

/** What the finding ended with, comparable between two accounts (incidents by their order). */
export interface EndState {
    incidents: Array<{ rollup: boolean; status: string; timeline: number; relatedItems: number; refusedRelatedItems: number }>;
    record: { incident: number | null; closedAs?: string; notifiedFormats?: string[]; stuck: boolean } | null;
    asff?: { status: string; note: "open" | "closed" | "none" };
    ocsf?: { statusId: number; comment: "open" | "closed" | "none" };
    /** Runbook executions still running (a resolved incident's, or OpsItem's with opsItemStartRunbook, are stopped). */
    runbooksRunning?: number;
    /** OpsCenter: OpsItems that say their runbook was not started (securityhub-incidents:runbook-not-started). */
    runbooksNotStarted?: number;
}

/**
 * `noted`: a documented, visible skip, which holds: Incident Manager refused a related item as
 * invalid, the finding is on its roll-up without it and the roll-up's timeline says so
 * (AddRelatedItem, docs/failures.md); or a resolved incident's runbook could not be stopped, and
 * the execution's output names it (StopRunbook, ReadRunbooks). Every other difference from the fault-free end is `lost`.
 */
export type Outcome = "ok" | "noted" | "stuck" | "silent" | "lost" | "double";

/** What the attached finding's timeline event says when its related item was refused (timeline-event-arguments.jsonata). */
const REFUSED_RELATED_ITEM = "refused its related item";

/** The end is the fault-free end but for related items refused and named on the timeline instead. */
function onlyRefusedRelatedItems(end: EndState, base: EndState): boolean {
    if (end.incidents.length !== base.incidents.length) return false;
    const refused = end.incidents.reduce((n, i) => n + i.refusedRelatedItems, 0);
    if (refused === 0) return false;
    const asBase = { ...end, incidents: end.incidents.map(i => ({ ...i, relatedItems: i.relatedItems + i.refusedRelatedItems, refusedRelatedItems: 0 })) };
    return JSON.stringify(asBase) === JSON.stringify(base);
}

/**
 * The end is the fault-free end but for runbooks left running: StopRunbook or ReadRunbooks failed
 * for good after the incident was resolved, the close went on and the execution's output names
 * what was not stopped (RunbooksNotStopped; docs/failures.md).
 */
function onlyRunbooksLeftRunning(end: EndState, base: EndState): boolean {
    if ((end.runbooksRunning ?? 0) <= (base.runbooksRunning ?? 0)) return false;
    return JSON.stringify({ ...end, runbooksRunning: base.runbooksRunning }) === JSON.stringify(base);
}

/**
 * OpsCenter with opsItemStartRunbook: the end is the fault-free end but for runbooks the workflow
 * could not start, each named on its OpsItem (securityhub-incidents:runbook-not-started) and in the
 * execution's output (RunbookNotStarted); the OpsItem itself is linked as without the fault.
 */
function onlyRunbooksNotStarted(end: EndState, base: EndState): boolean {
    const missing = (base.runbooksRunning ?? 0) - (end.runbooksRunning ?? 0);
    if ((end.runbooksNotStarted ?? 0) <= (base.runbooksNotStarted ?? 0)) return false;
    if (missing < 0) return false;
    return JSON.stringify({ ...end, runbooksRunning: base.runbooksRunning, runbooksNotStarted: base.runbooksNotStarted }) === JSON.stringify(base);
}

/** Outcomes under which the invariant holds and the finding ends as it should. */
export const HOLDS: ReadonlySet<Outcome> = new Set<Outcome>(["ok", "noted"]);

export interface CellResult {
    state: string;
    faultClass: FaultClass;
    scenario: string;
    /** A fault-path state is reached only when another state fails first: that state's fault. */
    via?: Fault;
    outcome: Outcome;
    detail?: string;
    /** States the act's executions entered (for finding the cells of fault-path states). */
    entered: string[];
}

/** One account per cell: a table of its own on the shared DynamoDB, its own Incident Manager and Security Hub. */
export class FaultMatrix {
    private tables = 0;
    private readonly baselines = new Map<string, { entered: string[]; end: EndState }>();

    constructor(private readonly dynamoDb: LocalDynamoDb, readonly backend: IncidentBackend = "incident-manager") {}

    /** The definition of a scenario, for this matrix's backend. */
    definition(scenario: Scenario, tableName = "faults"): Record<string, any> {
        return render(this.backend, { tableName, ...scenario.inputs });
    }

    private async account(scenario: Scenario) {
        const table = `faults-${++this.tables}`;
        await this.dynamoDb.createDedupTable(table);
        const incidents = new IncidentManagerStandIn([PLAN]);
        // The offline state machine runs in us-east-1 of the mock account: its OpsItems are there.
        const opsCenter = this.backend === "opscenter" ? new OpsCenterStandIn(MOCK_ACCOUNT, "us-east-1") : undefined;
        const definition = this.definition(scenario, table);
        const replay = new ReplayAccount({ definition, patterns: PATTERNS, dynamoDb: this.dynamoDb, incidents, opsCenter });
        return { replay, incidents, opsCenter, table };
    }

    /** OpsItems as the end state compares incidents: operational-data entries of our own stand for timeline events and related items. */
    private opsItemsAt(opsCenter: OpsCenterStandIn, now: string): EndState["incidents"] {
        return opsCenter.opsItemsAt(now).map(o => {
            const keys = Object.keys(o.operationalData);
            return {
                rollup: o.request.Title.startsWith("[storm]"),
                status: o.status === "Resolved" ? "RESOLVED" : "OPEN",
                timeline: keys.filter(k => /^securityhub-incidents:(resolved|suppressed|archived|reopened|attached):/.test(k)).length,
                relatedItems: keys.filter(k => k.startsWith("securityhub-incidents:finding:")).length,
                refusedRelatedItems: Object.values(o.operationalData).filter(v => (v.Value ?? "").includes(REFUSED_RELATED_ITEM)).length,
            };
        });
    }

    private async endState(account: Awaited<ReturnType<FaultMatrix["account"]>>, finding: string, now: string): Promise<EndState> {
        const { incidents, opsCenter, replay, table } = account;
        const item = await this.dynamoDb.getItem(table, { FindingId: { S: finding } });
        const index = (arn?: string) => (!arn ? -1 : opsCenter ? opsCenter.opsItems.findIndex(o => o.opsItemArn === arn) : incidents.incidents.findIndex(i => i.incidentRecordArn === arn));
        const stuck = (await stuckClaims(this.dynamoDb, table, now)).length > 0;
        const asff = replay.securityHub.finding(finding);
        const ocsf = replay.securityHub.ocsfFinding(finding);
        const prefix = (text?: string) => (text?.startsWith(NOTE_OPEN_PREFIX) ? "open" : text?.startsWith(NOTE_CLOSED_PREFIX) ? "closed" : "none");
        return {
            incidents: opsCenter ? this.opsItemsAt(opsCenter, now) : incidents.incidentsAt(now).map(i => ({ rollup: (i.request.Title ?? "").startsWith("[storm]"), status: i.status, timeline: i.timeline.length, relatedItems: i.relatedItems.length, refusedRelatedItems: i.timeline.filter(e => e.eventData.includes(REFUSED_RELATED_ITEM)).length })),
            record: item ? {
                incident: item.IncidentArn ? index(item.IncidentArn.S) : null,
                ...(item.ClosedAs ? { closedAs: item.ClosedAs.S } : {}),
                ...(item.NotifiedFormats ? { notifiedFormats: [...item.NotifiedFormats.SS].sort() } : {}),
                stuck,
            } : null,
            ...(asff ? { asff: { status: asff.Workflow?.Status, note: prefix(asff.Note?.Text) } } : {}),
            ...(ocsf ? { ocsf: { statusId: ocsf.status_id, comment: prefix(ocsf.comment) } } : {}),
            runbooksRunning: incidents.automation.running(),
            ...(opsCenter ? { runbooksNotStarted: opsCenter.opsItems.filter(o => Object.keys(o.operationalData).includes("securityhub-incidents:runbook-not-started")).length } : {}),
        };
    }

    /**
     * Runs a scenario with faults armed for its act: the invariant when the act's executions end,
     * then the retries of the failed ones and a re-import 12 h after the act, and the end state.
     */
    private async play(scenario: Scenario, faults: Fault[]) {
        const account = await this.account(scenario);
        const { setup, act, finding } = scenario.build();
        for (const step of setup) await account.replay.deliverFromInput(step.event);
        for (const fault of faults) account.replay.workflow.faults.arm(fault);
        const deliveries: Delivery[] = [];
        for (const step of act) deliveries.push(step.redeliver ? await account.replay.redeliver(step.event) : await account.replay.deliverFromInput(step.event));
        account.replay.workflow.faults.clear();
        const runs = (d: Delivery): Delivery["runs"] => [...d.runs, ...d.echoes.flatMap(runs)];
        const entered = [...new Set(deliveries.flatMap(runs).flatMap(r => r.states))];
        const last = act[act.length - 1].event;
        const actEnd = last.time as string;
        const afterAct = await this.endState(account, finding, actEnd);
        const failed = deliveries.flatMap(failedExecutions);
        // Retries as the account makes them, then the finding's next re-import.
        const retried = await retryFailedExecutions(account.replay, failed, RETRY_POLICY);
        const later = Date.parse(actEnd) + 12 * HOUR;
        const reimport = at(last, iso(later), { updatedAt: last.detail.findings[0].UpdatedAt ?? iso(later) });
        if (last["detail-type"] === "Findings Imported V2") reimport.detail.findings[0].time_dt = last.detail.findings[0].time_dt;
        await account.replay.deliverFromInput(reimport);
        const end = await this.endState(account, finding, iso(later));
        return { entered, afterAct, failed: failed.length, retried, end };
    }

    async baseline(scenario: Scenario): Promise<{ entered: string[]; end: EndState }> {
        if (!this.baselines.has(scenario.name)) {
            const { entered, end, failed } = await this.play(scenario, []);
            if (failed > 0) throw new Error(`scenario ${scenario.name} fails without any fault`);
            this.baselines.set(scenario.name, { entered, end });
        }
        return this.baselines.get(scenario.name)!;
    }

    /** One cell: the state's call fails with the class's error (after `via`, the fault that leads to a fault-path state). */
    async cell(scenario: Scenario, state: string, faultClass: FaultClass, via?: Fault): Promise<CellResult> {
        const base = await this.baseline(scenario);
        const definition = this.definition(scenario);
        const faults = [...(via ? [via] : []), faultOfClass(definition, state, faultClass)];
        const { entered, afterAct, failed, end } = await this.play(scenario, faults);
        const result = { state, faultClass, scenario: scenario.name, ...(via ? { via } : {}), entered };
        const linked = afterAct.record?.incident !== null && afterAct.record?.incident !== undefined && afterAct.record.incident >= 0;
        if (afterAct.record?.stuck) return { ...result, outcome: "stuck", detail: "a live claim without an incident when the executions ended" };
        if (!linked && failed === 0) return { ...result, outcome: "silent", detail: "no incident, no failed execution: nothing retries the finding" };
        if (end.record?.stuck) return { ...result, outcome: "stuck", detail: "a live claim without an incident after the retries and a re-import" };
        if (end.incidents.length > base.end.incidents.length) return { ...result, outcome: "double", detail: `${end.incidents.length} incidents, ${base.end.incidents.length} without the fault` };
        const same = JSON.stringify(end) === JSON.stringify(base.end);
        if (!same && onlyRefusedRelatedItems(end, base.end)) return { ...result, outcome: "noted", detail: "the related item was refused; the roll-up's timeline names the finding instead" };
        if (!same && onlyRunbooksLeftRunning(end, base.end)) return { ...result, outcome: "noted", detail: "the runbook was left running; the execution's output names it (RunbooksNotStopped)" };
        if (!same && onlyRunbooksNotStarted(end, base.end)) return { ...result, outcome: "noted", detail: "the runbook was not started; the OpsItem lists it and says so (runbook-not-started), the execution's output names it (RunbookNotStarted)" };
        if (!same) return { ...result, outcome: "lost", detail: `ends ${JSON.stringify(end)}; without the fault ${JSON.stringify(base.end)}` };
        return { ...result, outcome: "ok" };
    }

    /** The scenarios whose fault-free act enters each state. */
    async reach(): Promise<Map<string, Scenario[]>> {
        const reached = new Map<string, Scenario[]>();
        for (const scenario of SCENARIOS) {
            const { entered } = await this.baseline(scenario);
            for (const state of entered) reached.set(state, [...(reached.get(state) ?? []), scenario]);
        }
        return reached;
    }
}

export { FAULT_CLASSES };
export type { FaultClass };

/** One cell to run: a state, an error class, a scenario, and the fault that leads to a fault-path state. */
export interface PlannedCell {
    state: string;
    faultClass: FaultClass;
    scenario: Scenario;
    via?: Fault;
}

/**
 * States a Catch of `from` leads to, through Choice states only (the states the workflow enters
 * because `from` failed), for reaching fault-path states such as ReleaseClaim.
 */
function caughtInto(definition: Record<string, any>, from: string): Set<string> {
    const states = definition.States as Record<string, any>;
    const found = new Set<string>();
    const queue: string[] = (states[from]?.Catch ?? []).map((c: { Next: string }) => c.Next);
    const seen = new Set<string>();
    while (queue.length > 0) {
        const name = queue.shift()!;
        if (seen.has(name) || !states[name]) continue;
        seen.add(name);
        const state = states[name];
        if (state.Type === "Task") found.add(name);
        else if (state.Type === "Choice") queue.push(...state.Choices.map((c: { Next: string }) => c.Next), ...(state.Default ? [state.Default] : []));
    }
    return found;
}

export interface Plan {
    cells: PlannedCell[];
    /** States of the definition no scenario reaches, even through a failing state's Catch. */
    unreached: string[];
}

/**
 * Every cell of the matrix (`all`), or the fixed CI subset (`ci`): per state, one error class
 * (in turn, so every class is covered) and the first scenario that reaches it.
 */
export async function planCells(matrix: FaultMatrix, mode: "all" | "ci"): Promise<Plan> {
    const reached = await matrix.reach();
    const cells: PlannedCell[] = [];
    const unreached: string[] = [];
    matrixStates(matrix.backend).forEach((state, i) => {
        const classes = mode === "all" ? [...FAULT_CLASSES] : [FAULT_CLASSES[i % FAULT_CLASSES.length]];
        const scenarios = reached.get(state);
        if (scenarios) {
            for (const scenario of mode === "all" ? scenarios : scenarios.slice(0, 1)) {
                for (const faultClass of classes) cells.push({ state, faultClass, scenario });
            }
            return;
        }
        // A fault-path state: a scenario whose act enters a state whose Catch leads here, that state failing.
        for (const scenario of SCENARIOS) {
            const definition = matrix.definition(scenario);
            const entered = [...reached.entries()].filter(([, list]) => list.includes(scenario)).map(([name]) => name);
            const from = entered.find(name => definition.States[name]?.Type === "Task" && caughtInto(definition, name).has(state));
            if (!from) continue;
            const via = faultOfClass(definition, from, "accessDenied");
            for (const faultClass of classes) cells.push({ state, faultClass, scenario, via });
            return;
        }
        unreached.push(state);
    });
    return { cells, unreached };
}

/** `State × class` as the matrix and the known-failures list name a cell. */
export const cellKey = (cell: { state: string; faultClass: FaultClass; scenario: Scenario | string }) =>
    `${cell.state} × ${cell.faultClass} (${typeof cell.scenario === "string" ? cell.scenario : cell.scenario.name})`;
