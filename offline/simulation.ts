import { responsePlanNameFor, Settings, stackPrefix } from "../lib/settings";
import { buildEventPattern } from "../lib/eventPattern";
import { renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { matchEventPattern } from "./eventPatternMatcher";
import { LocalDynamoDb } from "./localDynamoDb";
import { IncidentManagerStandIn } from "./incidentManagerStandIn";
import { OfflineWorkflow } from "./offlineWorkflow";
import { MOCK_ACCOUNT } from "./pulumiMocks";
import { ReplayEvent } from "./findingInput";

export interface SimulatedIncident {
    findingId: string;
    source: string;
    title: string;
    impact: number;
    relatedItems: Array<{ title: string; type: string; value: string }>;
}

export interface SimulatedFailure {
    findingId: string;
    source: string;
    error: string;
    cause?: string;
}

export interface SimulationReport {
    events: number;
    matched: number;
    /** Events the rule would not send, by the pattern field that rejected them. */
    filtered: Record<string, number>;
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
    /** Executions run (matched events × deliveries). */
    executions: number;
    transitions: number;
}

export interface SimulationOptions {
    settings: Settings;
    stack: string;
    events: ReplayEvent[];
    /** Deliver each matched event this many times at once (EventBridge is at-least-once). Default 1. */
    deliveries?: number;
    /** Findings replayed at the same time; one finding's events always run in order. Default 16. */
    concurrency?: number;
    onProgress?: (done: number, total: number) => void;
    /** The Incident Manager stand-in to replay against (tests use it to inject faults). */
    incidentManager?: (responsePlanArn: string) => IncidentManagerStandIn;
}

/**
 * Replays events through what a stack would deploy: its event pattern, then its rendered state
 * machine on the offline engines, with one dedup table and one Incident Manager for the whole
 * replay (as in the account).
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
    const { settings, stack, events } = options;
    const deliveries = options.deliveries ?? 1;
    const tableName = settings.tableName ?? `${stackPrefix(stack)}-dedup`;
    const responsePlanArn = `arn:aws:ssm-incidents::${MOCK_ACCOUNT}:response-plan/${responsePlanNameFor(stack)}`;
    const pattern = buildEventPattern(settings);
    const definition = renderStateMachineDefinition({ tableName, responsePlanArn, dedupTtlDays: settings.dedupTtlDays, impactBySeverity: settings.impactBySeverity });

    const dynamoDb = await LocalDynamoDb.start();
    try {
        await dynamoDb.createDedupTable(tableName);
        const incidentManager = options.incidentManager?.(responsePlanArn) ?? new IncidentManagerStandIn([responsePlanArn]);
        const workflow = new OfflineWorkflow(definition, { dynamoDb, incidents: incidentManager });
        const report: SimulationReport = { events: events.length, matched: 0, filtered: {}, incidents: [], duplicates: 0, droppedDeliveries: 0, failures: [], executions: 0, transitions: 0 };
        const opened: Array<{ order: number; incident: SimulatedIncident }> = [];
        const failed: Array<{ order: number; failure: SimulatedFailure }> = [];

        // One queue per finding keeps its events in file order; different findings run side by side.
        const queues = new Map<string, Array<{ order: number; item: ReplayEvent }>>();
        events.forEach((item, order) => {
            const match = matchEventPattern(pattern, item.event);
            if (!match.matched) {
                report.filtered[match.field] = (report.filtered[match.field] ?? 0) + 1;
                return;
            }
            report.matched++;
            const key = item.findingId ?? `#${order}`;
            if (!queues.has(key)) queues.set(key, []);
            queues.get(key)!.push({ order, item });
        });

        let done = 0;
        const total = report.matched;
        const replayQueue = async (queue: Array<{ order: number; item: ReplayEvent }>) => {
            // Whether this finding has an incident yet: only then is a duplicate a suppressed one.
            let hasIncident = false;
            for (const { order, item } of queue) {
                const runs = await Promise.all(Array.from({ length: deliveries }, () => workflow.run(item.event)));
                let duplicateRuns = 0;
                for (const run of runs) {
                    report.executions++;
                    report.transitions += run.transitions;
                    if (run.states.includes("DuplicateFinding")) duplicateRuns++;
                    if (run.status === "FAILED") {
                        failed.push({ order, failure: { findingId: item.findingId ?? "(none)", source: item.source, error: run.error ?? "Failed", cause: run.cause } });
                    } else if (run.states.includes("OpenIncident")) {
                        const arn = (run.output as { IncidentRecordArn: string }).IncidentRecordArn;
                        const incident = incidentManager.incident(arn)!;
                        hasIncident = true;
                        opened.push({
                            order,
                            incident: {
                                findingId: item.findingId ?? "(none)",
                                source: item.source,
                                title: incident.request.Title ?? "",
                                impact: incident.request.Impact ?? 0,
                                relatedItems: (incident.request.RelatedItems ?? []).map(r => ({
                                    title: r.Title ?? "",
                                    type: r.Identifier.Type,
                                    value: String(Object.values(r.Identifier.Value)[0]),
                                })),
                            },
                        });
                    }
                }
                if (hasIncident) report.duplicates += duplicateRuns;
                else report.droppedDeliveries += duplicateRuns;
                options.onProgress?.(++done, total);
            }
        };
        const pending = [...queues.values()];
        let next = 0;
        const workers = Array.from({ length: Math.min(options.concurrency ?? 16, pending.length) }, async () => {
            while (next < pending.length) await replayQueue(pending[next++]);
        });
        await Promise.all(workers);

        // Report in input order, whatever order the concurrent replay finished in.
        report.incidents = opened.sort((a, b) => a.order - b.order).map(o => o.incident);
        report.failures = failed.sort((a, b) => a.order - b.order).map(f => f.failure);
        return report;
    } finally {
        await dynamoDb.stop();
    }
}
