import { expect } from "chai";
import jsonata from "jsonata";
import { loadSettings, workflowSettingsOf } from "../lib/settings";
import { renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { extractExecutionConstants } from "../offline/jsonataExecutionMemo";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { expressionsOf } from "./support/expressions";

const extracted = (expression: string) => extractExecutionConstants(jsonata(expression).ast() as Record<string, any>).length;
/** A block big enough to be worth caching, around the given body. */
const big = (body: string) => `( $x := ( $a := ${body}; $b := $string($a); $c := $lookup({'k': $b}, 'k'); [$a, $b, $c, $count([$a, $b]), $join([$b, $c], '-')] ); $x )`;

describe("the offline engine's per-execution cache of constant JSONata blocks", function () {
    this.timeout(120000);

    it("moves out blocks that read only the execution's input, and nothing that reads the state's input, the context item, the clock or an outer variable", () => {
        expect(extracted(big("$states.context.Execution.Input.detail"))).to.equal(1);
        expect(extracted(big("$states.context.Execution.StartTime"))).to.equal(1);
        expect(extracted(big("$states.input.detail"))).to.equal(0);
        expect(extracted(big("$states.context.State.EnteredTime"))).to.equal(0);
        expect(extracted(big("$states"))).to.equal(0);
        expect(extracted(big("detail"))).to.equal(0);
        expect(extracted(big("$"))).to.equal(0);
        expect(extracted(big("$now()"))).to.equal(0);
        expect(extracted(big("$uuid()"))).to.equal(0);
        expect(extracted(`( $outer := 1; ${big("$outer")} )`)).to.equal(0);
        // A name the expression binds somewhere could shadow a built-in.
        expect(extracted(`( $string := function($v) { 'x' }; ${big("$states.context.Execution.Id")} )`)).to.equal(0);
        // Field names read from the execution's input, items of its paths, and own functions are fine.
        expect(extracted(big("$states.context.Execution.Input.detail.findings[0].Resources.{ 'Id': Id, 'T': $type(Type) }"))).to.equal(1);
        expect(extracted(big("( $f := function($v) { $v & '!' }; $f($states.context.Execution.Name) )"))).to.equal(1);
    });

    it("moves the finding's view out of the rendered definition's states", () => {
        const settings = loadSettings(readStackConfig("dev").read, PROJECT_DIR);
        const definition = renderStateMachineDefinition({ tableName: "t-dedup", responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/p", ...workflowSettingsOf(settings) });
        const moved = expressionsOf(definition).map(e => extracted(e.slice(2, -2))).reduce((a, b) => a + b, 0);
        expect(moved).to.be.greaterThan(5);
    });

    // That the cached blocks give every expression of the dev, prod and OpsCenter definitions the value or error
    // of evaluating it afresh, as Step Functions does, is checked in tests/jsonataSync.test.ts, together with the
    // synchronous build: the replay's way (synchronous, cached) against the published package, afresh.
});
