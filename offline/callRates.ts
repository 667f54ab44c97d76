import { API_RATES } from "../lib/limits";
import { TASK_INTEGRATIONS } from "../lib/stateMachineDefinition";

/** One Task state's service call, at its execution's start in the events' time (OfflineWorkflow.onTaskCall). */
export interface TaskCall { state: string; resource: string; at: string }

export interface OperationRate {
    /** The service operation (TASK_INTEGRATIONS), e.g. `batchUpdateFindings`, `createTimelineEvent`, `UpdateItem`. */
    operation: string;
    calls: number;
    /** Most calls in any one second of the events' time. */
    peakPerSecond: number;
    /** Calls over the busiest minute, per second. */
    peakMinutePerSecond: number;
    /** The documented rate (lib/limits.ts API_RATES), when there is one. */
    limit?: { perSecond: number; burst: number };
    /** Calls a token bucket of the documented rate and burst would refuse (throttled, then retried). */
    overLimit?: number;
}

/**
 * Calls per second of each service operation, from the calls' times (whole seconds of the events'
 * clock), and how many of them a token bucket with the documented rate would refuse. Offline every
 * call of an execution carries the execution's start: the account spreads them over the execution's
 * few seconds, so a peak second here is an upper bound of the account's.
 */
export function callRates(calls: Iterable<TaskCall>): OperationRate[] {
    const byOperation = new Map<string, { action: string; seconds: Map<number, number> }>();
    for (const call of calls) {
        const integration = TASK_INTEGRATIONS[call.resource];
        const operation = integration?.operation ?? call.resource;
        const entry = byOperation.get(operation) ?? { action: integration?.action ?? "", seconds: new Map<number, number>() };
        const second = Math.floor(Date.parse(call.at) / 1000);
        entry.seconds.set(second, (entry.seconds.get(second) ?? 0) + 1);
        byOperation.set(operation, entry);
    }
    return [...byOperation.entries()].map(([operation, { action, seconds }]) => {
        const ordered = [...seconds.entries()].sort((a, b) => a[0] - b[0]);
        const calls = ordered.reduce((n, [, c]) => n + c, 0);
        const peakPerSecond = Math.max(...ordered.map(([, c]) => c));
        let peakMinute = 0;
        for (let i = 0, j = 0, inWindow = 0; i < ordered.length; i++) {
            inWindow += ordered[i][1];
            while (ordered[i][0] - ordered[j][0] >= 60) inWindow -= ordered[j++][1];
            peakMinute = Math.max(peakMinute, inWindow);
        }
        const rate = API_RATES[action];
        const result: OperationRate = { operation, calls, peakPerSecond, peakMinutePerSecond: peakMinute / 60 };
        if (rate && rate.operation === operation) {
            // Token bucket: `burst` tokens, refilled at `perSecond`; a call without a token is refused.
            let tokens = rate.burst;
            let last = ordered[0][0];
            let refused = 0;
            for (const [second, count] of ordered) {
                tokens = Math.min(rate.burst, tokens + (second - last) * rate.perSecond);
                last = second;
                const taken = Math.min(tokens, count);
                tokens -= taken;
                refused += count - taken;
            }
            Object.assign(result, { limit: { perSecond: rate.perSecond, burst: rate.burst }, overLimit: refused });
        }
        return result;
    }).sort((a, b) => b.calls - a.calls);
}
