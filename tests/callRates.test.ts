import { expect } from "chai";
import { callRates, TaskCall } from "../offline/callRates";
import { API_RATES } from "../lib/limits";
import { TASK_INTEGRATIONS } from "../lib/stateMachineDefinition";

const BATCH = "arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings";
const TIMELINE = "arn:aws:states:::aws-sdk:ssmincidents:createTimelineEvent";
const at = (second: number) => new Date(Date.parse("2026-11-02T09:00:00Z") + second * 1000).toISOString();
const calls = (resource: string, perSecond: number[], from = 0): TaskCall[] =>
    perSecond.flatMap((n, i) => Array.from({ length: n }, () => ({ state: "S", resource, at: at(from + i) })));

describe("API call rates (bench:storm)", () => {
    it("names every documented rate by an IAM action and operation the workflow's integrations call", () => {
        for (const [action, rate] of Object.entries(API_RATES)) {
            expect(Object.values(TASK_INTEGRATIONS).some(i => i.action === action && i.operation === rate.operation), action).to.equal(true);
        }
    });

    it("counts calls per second and per busiest minute, per operation", () => {
        const rates = callRates([...calls(TIMELINE, [3, 0, 5]), ...calls(TIMELINE, [2], 120)]);
        expect(rates).to.deep.equal([{ operation: "createTimelineEvent", calls: 10, peakPerSecond: 5, peakMinutePerSecond: 8 / 60 }]);
    });

    it("refuses what a token bucket of 10/s with a burst of 30 refuses, and nothing at the sustained rate", () => {
        // 30 at once is the burst; 10 a second after it is the refill; 5 more in that second are over.
        const over = callRates(calls(BATCH, [30, 15]))[0];
        expect(over.limit).to.deep.equal({ perSecond: 10, burst: 30 });
        expect(over.overLimit).to.equal(5);
        expect(callRates(calls(BATCH, Array(120).fill(10)))[0].overLimit).to.equal(0);
        expect(callRates(calls(BATCH, Array(120).fill(11)))[0].overLimit).to.equal(120 * 11 - 30 - 119 * 10);
    });
});
