import { expect } from "chai";
import { SsmAutomationStandIn } from "../offline/ssmAutomationStandIn";

describe("the SSM Automation stand-in's concurrency and queue (counted, not searched)", () => {
    it("keeps its running and queued counts, and hands a freed slot to the earliest execution still queued, through any sequence of starts and stops", async () => {
        const automation = new SsmAutomationStandIn();
        automation.limits = { concurrentExecutions: 3, queuedExecutions: 4 };
        // A fixed pseudo-random sequence (so a failure repeats), checked after every step against a scan of every execution.
        let seed = 7;
        const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        let refused = 0;
        for (let step = 0; step < 2000; step++) {
            const open = automation.executions.filter(e => e.status === "Waiting" || e.status === "Pending");
            if (next() < 0.55 || open.length === 0) {
                try {
                    await automation.startAutomationExecution({ DocumentName: "runbook", Parameters: { OpsItemId: [`oi-${step}`] } });
                } catch (err) {
                    expect((err as Error).name).to.equal("Ssm.AutomationExecutionLimitExceededException");
                    refused++;
                }
            } else {
                const victim = open[Math.floor(next() * open.length)];
                const earliestQueued = automation.executions.find(e => e.status === "Pending" && e !== victim);
                const freesSlot = victim.status === "Waiting";
                await automation.stopAutomationExecution({ AutomationExecutionId: victim.automationExecutionId, Type: next() < 0.5 ? "Cancel" : "Complete" });
                if (freesSlot && earliestQueued) expect(earliestQueued.status, `step ${step}`).to.equal("Waiting");
            }
            expect(automation.running(), `step ${step}`).to.equal(automation.executions.filter(e => e.status === "Waiting").length);
            expect(automation.pending(), `step ${step}`).to.equal(automation.executions.filter(e => e.status === "Pending").length);
            expect(automation.running()).to.be.at.most(3);
            expect(automation.pending()).to.be.at.most(4);
        }
        expect(refused).to.be.greaterThan(0);
        expect(automation.limitExceeded).to.equal(refused);
    });
});
