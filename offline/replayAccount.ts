import * as crypto from "crypto";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, OCSF_EVENT_DETAIL_TYPE } from "../lib/eventPattern";
import { isOcsfFinding, ocsfFindingUid } from "../lib/ocsf";
import { failingFields, matchEventPattern } from "./eventPatternMatcher";
import { ExecutionReport, OfflineWorkflow } from "./offlineWorkflow";
import { LocalDynamoDb } from "./localDynamoDb";
import { IncidentManagerStandIn } from "./incidentManagerStandIn";
import { OpsCenterStandIn } from "./opsCenterStandIn";
import { AutomationRuleTiming, SecurityHubStandIn, StandInAutomationRules } from "./securityHubStandIn";

/** What became of one event: which rule sent it (or which pattern field filtered it) and the executions it started. */
export interface Delivery {
    event: Record<string, any>;
    /**
     * Where the event came from: the input (as Security Hub sent it), a write-back of the workflow,
     * or the retry of a failed execution (a new execution with the failed one's input, started
     * without the rules: see lib/failedExecutionRetry.ts).
     */
    origin: "input" | "write-back" | "retry";
    /** When its executions started (the event's time, or the retry's). */
    startTime: string;
    /** The rule that matched, by name; undefined when none did. */
    rule?: string;
    /**
     * When no rule matched: the field that filtered it, from the first rule whose pattern got past
     * the envelope (source, detail-type), else from the first rule. With both formats on, a V2
     * event is named by the OCSF rule's field, not by the ASFF rule's detail-type.
     */
    filteredBy?: string;
    /** Every field of that rule's pattern the event fails (filteredBy is the first of them). */
    filteredFields?: string[];
    runs: ExecutionReport[];
    /** Events the workflow's own Security Hub updates emitted, delivered in turn. */
    echoes: Delivery[];
}

export interface ReplayAccountOptions {
    /** The rendered state machine definition. */
    definition: Record<string, any>;
    /** Rule name → event pattern, in the order they are tried; every matching rule starts an execution. */
    patterns: Record<string, Record<string, unknown>>;
    dynamoDb: LocalDynamoDb;
    incidents: IncidentManagerStandIn;
    /** OpsCenter, for a definition rendered for the OpsCenter backend. */
    opsCenter?: OpsCenterStandIn;
    /** The account's Security Hub automation rules (the stack's suppressionsFile, compiled), and when their updates are sent. */
    automationRules?: StandInAutomationRules;
    automationRuleTiming?: AutomationRuleTiming;
}

/**
 * Which finding an event carries, per format: `ASFF|<Id>` or `OCSF|<finding_info.uid>`. The two
 * formats of one control or GuardDuty finding share the id string, and Security Hub keeps (and
 * updates) them apart, so the echoes of one are never taken for the other's.
 */
export function findingKey(event: Record<string, any>): string | undefined {
    const finding = event?.detail?.findings?.[0];
    if (event?.["detail-type"] === OCSF_EVENT_DETAIL_TYPE || isOcsfFinding(finding)) {
        const uid = ocsfFindingUid(finding);
        return uid === undefined ? undefined : `OCSF|${uid}`;
    }
    return typeof finding?.Id === "string" ? `ASFF|${finding.Id}` : undefined;
}

/**
 * Deliveries of one event running at the same time. EventBridge's duplicate deliveries of an
 * event arrive close together, not all in one instant; this many at once is enough for them to
 * race for the finding's claim (as the tests' 50-fold deliveries do) while a 1,000-fold delivery
 * does not hold 1,000 executions in memory at once.
 */
export const DELIVERIES_IN_FLIGHT = 64;

/** Fields of the envelope: a pattern that fails on one of them is not about this kind of event at all. */
const ENVELOPE_FIELDS = new Set(["source", "detail-type"]);

/** An ISO-8601 time in Step Functions' form (milliseconds, Z), or undefined when it is not a time. */
function executionTime(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const millis = Date.parse(value);
    return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/**
 * The account as the replay sees it: Security Hub (which stores each finding's workflow status and
 * Note, and emits an Imported event for every update), the event rules, the state machine, the
 * dedup table and Incident Manager. Time is the events' time: an execution starts at its event's
 * time, and what the services record happens at the time of the execution that asked for it.
 */
export class ReplayAccount {
    /** The stack's state machine; `redeploy` replaces it (as `pulumi up` with another definition does). */
    workflow: OfflineWorkflow;
    /** What the state machine calls (kept for redeploy). */
    private readonly services: ConstructorParameters<typeof OfflineWorkflow>[1];
    readonly securityHub: SecurityHubStandIn;
    /**
     * The start time of the execution whose service call is being made, set for the synchronous
     * part of each call (OfflineServices.atExecutionTime); undefined between calls. Not an
     * AsyncLocalStorage: that turns on promise hooks for every promise of the replay.
     */
    private callTime: string | undefined;
    /** Echo events per finding Id, waiting for the execution that caused them to finish. */
    private readonly echoes = new Map<string, Array<Record<string, any>>>();
    /** The rules in the order they are tried (the patterns never change once the account is set up). */
    private readonly rules: Array<[string, Record<string, unknown>]>;

    constructor(options: ReplayAccountOptions) {
        this.rules = Object.entries(options.patterns);
        // Security Hub emits its events synchronously inside the call: queue them per finding.
        this.securityHub = new SecurityHubStandIn(event => {
            const key = findingKey(event) ?? "";
            if (!this.echoes.has(key)) this.echoes.set(key, []);
            this.echoes.get(key)!.push(event);
        });
        if (options.automationRules) this.securityHub.setAutomationRules(options.automationRules, options.automationRuleTiming);
        options.incidents.clock = () => this.callTime ?? new Date().toISOString();
        if (options.opsCenter) options.opsCenter.clock = () => this.callTime ?? new Date().toISOString();
        const securityHub = this.securityHub;
        // Security Hub applies an update at the time of the execution that made it.
        const atExecutionTime = () => {
            const at = this.callTime;
            if (at) securityHub.setTime(at);
        };
        const securityHubService = {
            batchUpdateFindings: (request: any) => {
                atExecutionTime();
                return securityHub.batchUpdateFindings(request);
            },
            // For the workflow's OCSF write-back (aws-sdk:securityhub:batchUpdateFindingsV2).
            batchUpdateFindingsV2: (request: any) => {
                atExecutionTime();
                return securityHub.batchUpdateFindingsV2(request);
            },
        };
        this.services = {
            dynamoDb: options.dynamoDb,
            incidents: options.incidents,
            opsCenter: options.opsCenter,
            securityHub: securityHubService,
            atExecutionTime: <T>(startTime: string, call: () => T): T => {
                const outer = this.callTime;
                this.callTime = startTime;
                try {
                    return call();
                } finally {
                    this.callTime = outer;
                }
            },
        };
        this.workflow = new OfflineWorkflow(options.definition, this.services);
    }

    /**
     * `pulumi up` with another definition (e.g. the stack moved to the other incidentBackend): the
     * same dedup table, Security Hub and services, the new state machine for every later delivery.
     * The rules stay: the backend does not change the event patterns.
     */
    redeploy(definition: Record<string, any>): void {
        const next = new OfflineWorkflow(definition, this.services);
        next.onTaskCall = this.workflow.onTaskCall;
        this.workflow = next;
    }

    /** An event as Security Hub sent it in the account (without this project's write-back): stored, then delivered. */
    async deliverFromInput(event: Record<string, any>, deliveries = 1): Promise<Delivery> {
        const findings = event.detail?.findings;
        const carriesFindings = event.source === EVENT_SOURCE && Array.isArray(findings) && findings.length > 0;
        const fromSecurityHub = carriesFindings && (
            (event["detail-type"] === EVENT_DETAIL_TYPE && findings.every((f: unknown) => typeof (f as { Id?: unknown })?.Id === "string"))
            || (event["detail-type"] === OCSF_EVENT_DETAIL_TYPE && findings.every((f: unknown) => ocsfFindingUid(f) !== undefined)));
        const sent = fromSecurityHub ? this.securityHub.importEvent(event) : event;
        return this.deliver(sent, "input", deliveries);
    }

    /** An event delivered again exactly as it was sent (EventBridge delivers at least once): Security Hub is not involved. */
    async redeliver(event: Record<string, any>, deliveries = 1): Promise<Delivery> {
        return this.deliver(event, "input", deliveries);
    }

    /**
     * A new execution with this input at `startTime`, as StartExecution starts it (no rule is
     * involved): how a failed execution is retried. Its write-backs are delivered as usual.
     */
    async startExecution(event: Record<string, any>, startTime: string): Promise<Delivery> {
        const delivery: Delivery = { event, origin: "retry", startTime, runs: [], echoes: [] };
        delivery.runs = [await this.workflow.run(event, crypto.randomUUID(), { startTime })];
        await this.deliverEchoes(delivery);
        return delivery;
    }

    /** Matches an event against the rules and runs the workflow for it `deliveries` times at once. */
    private async deliver(event: Record<string, any>, origin: Delivery["origin"], deliveries: number): Promise<Delivery> {
        const startTime = executionTime(event.time) ?? new Date().toISOString();
        const delivery: Delivery = { event, origin, startTime, runs: [], echoes: [] };
        let envelope: { field: string; pattern: Record<string, unknown> } | undefined;
        let filteredBy: { field: string; pattern: Record<string, unknown> } | undefined;
        for (const [rule, pattern] of this.rules) {
            const match = matchEventPattern(pattern, event);
            if (match.matched) {
                delivery.rule = rule;
                break;
            }
            if (ENVELOPE_FIELDS.has(match.field)) envelope ??= { field: match.field, pattern };
            else filteredBy ??= { field: match.field, pattern };
        }
        filteredBy ??= envelope;
        if (!delivery.rule && filteredBy) {
            delivery.filteredBy = filteredBy.field;
            // Every failing field, worked out when asked for (a month's filtered re-imports never are).
            const { pattern } = filteredBy;
            let fields: string[] | undefined;
            Object.defineProperty(delivery, "filteredFields", { enumerable: true, configurable: true, get: () => (fields ??= failingFields(pattern, event)) });
        }
        if (delivery.rule) {
            // Up to DELIVERIES_IN_FLIGHT of them run at a time, the next starting as one ends: they
            // still race for the finding's claim, and memory stays bounded however many there are.
            const runs: ExecutionReport[] = new Array(deliveries);
            let next = 0;
            const lane = async () => {
                while (next < deliveries) {
                    const i = next++;
                    runs[i] = await this.workflow.run(event, crypto.randomUUID(), { startTime });
                }
            };
            await Promise.all(Array.from({ length: Math.min(deliveries, DELIVERIES_IN_FLIGHT) }, lane));
            delivery.runs = runs;
        }
        await this.deliverEchoes(delivery, deliveries);
        return delivery;
    }

    /** Delivers the events Security Hub emitted for the updates of a delivery's executions. */
    private async deliverEchoes(delivery: Delivery, deliveries = 1): Promise<void> {
        // None waiting (every event the rule stops, and most others): nothing to look up.
        if (this.echoes.size === 0) return;
        const key = findingKey(delivery.event) ?? "";
        const echoes = this.echoes.get(key) ?? [];
        this.echoes.delete(key);
        for (const echo of echoes) delivery.echoes.push(await this.deliver(echo, "write-back", deliveries));
    }
}

/** Every failed execution of a delivery and its write-backs: its input and when it stopped (offline, when it started). */
export function failedExecutions(delivery: Delivery): Array<{ event: Record<string, any>; stoppedAt: string; error?: string; cause?: string }> {
    return [
        ...delivery.runs.filter(r => r.status === "FAILED").map(r => ({ event: delivery.event, stoppedAt: delivery.startTime, error: r.error, cause: r.cause })),
        ...delivery.echoes.flatMap(failedExecutions),
    ];
}

/** A failed execution waiting for its retry: its input, when it stopped, and which retry would come next. */
export interface PendingRetry {
    event: Record<string, any>;
    stoppedAt: string;
    attempt: number;
    error?: string;
    cause?: string;
}

/**
 * The retry of failed executions as the account makes it (lib/failedExecutionRetry.ts): each
 * failed execution gets a new one with its input `delaySeconds` after it stopped, up to
 * `attempts` times; what still fails after the last is given up (the failed-findings queue).
 * Retries run in the order of their time.
 */
export async function retryFailedExecutions(
    account: ReplayAccount,
    failed: Array<{ event: Record<string, any>; stoppedAt: string; error?: string; cause?: string }>,
    policy: { attempts: number; delaySeconds: number },
    onRetry?: (delivery: Delivery) => void,
): Promise<{ retries: number; givenUp: PendingRetry[] }> {
    const pending: PendingRetry[] = failed.map(f => ({ ...f, attempt: 1 }));
    const givenUp: PendingRetry[] = [];
    let retries = 0;
    while (pending.length > 0) {
        pending.sort((a, b) => Date.parse(a.stoppedAt) - Date.parse(b.stoppedAt));
        const next = pending.shift()!;
        if (next.attempt > policy.attempts) {
            givenUp.push(next);
            continue;
        }
        const startTime = new Date(Date.parse(next.stoppedAt) + policy.delaySeconds * 1000).toISOString();
        const delivery = await account.startExecution(next.event, startTime);
        retries++;
        onRetry?.(delivery);
        for (const again of failedExecutions(delivery)) pending.push({ ...again, attempt: next.attempt + 1 });
    }
    return { retries, givenUp };
}
