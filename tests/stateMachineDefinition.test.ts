import { expect } from "chai";
import aslValidator from "asl-validator";
import {
    DEDUP_EXPIRY_ATTRIBUTE, DEDUP_KEY_ATTRIBUTE, loadWorkflowTemplates, renderStateMachineDefinition, requiredTaskPermissions,
    TASK_INTEGRATIONS, taskStates, TemplateError, toOneLine, WorkflowInputs, WorkflowTemplates,
} from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { DYNAMODB_LIMITS } from "../lib/limits";

const INPUTS: WorkflowInputs = {
    tableName: "securityhub-incidents-test",
    responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test",
    dedupTtlDays: 30,
    impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY },
};

function withTemplate(mutate: (t: WorkflowTemplates) => void): WorkflowTemplates {
    const templates = loadWorkflowTemplates();
    mutate(templates);
    return templates;
}

describe("state machine definition", () => {
    const definition = renderStateMachineDefinition(INPUTS);
    const text = JSON.stringify(definition);

    it("fills every placeholder", () => {
        expect(text).not.to.match(/\$\{/);
        expect(text).to.include(INPUTS.responsePlanArn);
        expect(definition.States.ClaimFinding.Arguments.TableName).to.equal(INPUTS.tableName);
        expect(definition.States.RecordIncident.Arguments.TableName).to.equal(INPUTS.tableName);
        expect(definition.States.ReleaseClaim.Arguments.TableName).to.equal(INPUTS.tableName);
        expect(definition.States.ClaimFinding.Arguments.Item.ExpiresAt.N).to.include(`+ ${30 * 86400})`);
    });

    it("passes asl-validator", () => {
        const { isValid, errorsText } = aslValidator(definition as any);
        expect(isValid, errorsText("\n")).to.equal(true);
    });

    it("inserts the JSONata program as one expression", () => {
        const args = definition.States.OpenIncident.Arguments as string;
        expect(args.startsWith("{% (")).to.equal(true);
        expect(args.endsWith(") %}")).to.equal(true);
        expect(args).not.to.include("\n");
        expect(args).not.to.include("/*");
        expect(args).to.include(JSON.stringify(DEFAULT_IMPACT_BY_SEVERITY));
    });

    it("claims with one conditional write on the table's own key and expiry attributes", () => {
        const claim = definition.States.ClaimFinding;
        expect(definition.StartAt).to.equal("ClaimFinding");
        expect(claim.Resource).to.equal("arn:aws:states:::dynamodb:putItem");
        expect(Object.keys(claim.Arguments.Item)).to.include.members([DEDUP_KEY_ATTRIBUTE, DEDUP_EXPIRY_ATTRIBUTE]);
        // Its own earlier write (a retry after a lost response) is not someone else's claim.
        expect(claim.Arguments.ConditionExpression).to.equal(`attribute_not_exists(${DEDUP_KEY_ATTRIBUTE}) OR ${DEDUP_EXPIRY_ATTRIBUTE} < :now OR ClaimedBy = :execution`);
        expect(claim.Arguments.ExpressionAttributeValues[":execution"]).to.deep.equal({ S: "{% $states.context.Execution.Id %}" });
        expect(taskStates(definition).map(t => t.state.Resource)).not.to.include("arn:aws:states:::dynamodb:getItem");
    });

    it("keys the record the same way in every state that touches it", () => {
        const keyOf = (state: string) => {
            const args = definition.States[state].Arguments;
            return (args.Item ?? args.Key)[DEDUP_KEY_ATTRIBUTE].S as string;
        };
        const states = taskStates(definition).filter(t => t.state.Resource.startsWith("arn:aws:states:::dynamodb:")).map(t => t.name);
        expect(states).to.have.members(["ClaimFinding", "RecordIncident", "ReleaseClaim"]);
        const keys = new Set(states.map(keyOf));
        expect(keys.size).to.equal(1);
        const [key] = keys;
        expect(key).to.match(/^\{% \(.*\$hash\(\$id, 'SHA-256'\).*\) %\}$/);
        expect(key).to.include(`$length($id) <= ${DYNAMODB_LIMITS.plainKeyCodePoints} ?`);
        expect(DYNAMODB_LIMITS.plainKeyCodePoints * 4).to.be.at.most(DYNAMODB_LIMITS.partitionKeyBytes);
    });

    it("derives exactly the IAM actions its tasks call", () => {
        expect(requiredTaskPermissions(definition)).to.deep.equal({
            dedupTable: ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            responsePlan: ["ssm-incidents:StartIncident"],
        });
    });

    it("refuses a task whose integration has no known IAM action", () => {
        const bad = { ...definition, States: { ...definition.States, Extra: { Type: "Task", Resource: "arn:aws:states:::sqs:sendMessage", End: true } } };
        expect(() => requiredTaskPermissions(bad)).to.throw(TemplateError, /state Extra: resource arn:aws:states:::sqs:sendMessage is not a known integration/);
        expect(Object.keys(TASK_INTEGRATIONS)).not.to.include("arn:aws:states:::sqs:sendMessage");
    });

    it("throws on an unknown placeholder, naming the file", () => {
        const templates = withTemplate(t => { t.template.text = t.template.text.replace('"${tableName}"', '"${tabelName}"'); });
        expect(() => renderStateMachineDefinition(INPUTS, templates)).to.throw(TemplateError, /incident-workflow\.asl\.json: unknown placeholder \$\{tabelName\}/);
    });

    it("throws on a placeholder left without a value", () => {
        expect(() => renderStateMachineDefinition({ ...INPUTS, responsePlanArn: "" })).to.throw(TemplateError, /start-incident-arguments\.jsonata: placeholder \$\{responsePlanArn\} has no value/);
    });

    it("throws when a value is never used by any placeholder", () => {
        const templates = withTemplate(t => { t.template.text = t.template.text.split('"${tableName}"').join('"fixed-table"'); });
        expect(() => renderStateMachineDefinition(INPUTS, templates)).to.throw(TemplateError, /values given but never used by any placeholder: tableName/);
    });

    it("joins a commented JSONata program into one line without touching strings", () => {
        expect(toOneLine("/* note\n   more */\n(\n  $a := 'x  y';\n  /* inline */\n  $a\n)\n")).to.equal("( $a := 'x  y'; $a )");
    });
});
