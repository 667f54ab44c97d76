/**
 * One replayed account for the workflow tests: a dedup table of its own on a local DynamoDB, the
 * service stand-ins (Incident Manager with its SSM Automation, Security Hub, OpsCenter for that
 * backend) and a ReplayAccount running the definition rendered from a stack's settings, under the
 * rules that stack would have.
 */
import { loadSettings, Settings, workflowSettingsOf } from "../../lib/settings";
import { renderStateMachineDefinition, WorkflowInputs } from "../../lib/stateMachineDefinition";
import { LocalDynamoDb } from "../../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../../offline/incidentManagerStandIn";
import { OpsCenterStandIn } from "../../offline/opsCenterStandIn";
import { ReplayAccount } from "../../offline/replayAccount";
import { stackRules } from "../../offline/simulation";
import { PROJECT_DIR } from "../../offline/stackConfig";
import { ACCOUNT } from "./findings";

export const TEST_PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test`;
/** The runbook document the OpsCenter backend lists (the program passes its document's name). */
export const TEST_RUNBOOK_DOCUMENT = "runbook-document";

/** Workflow inputs over the stack's settings; the table is the account's own. */
export interface AccountOptions extends Omit<Partial<WorkflowInputs>, "tableName" | "incidentBackend"> {
    /**
     * The stack's configuration (key → value as `pulumi config` holds it), read by the settings
     * loader: the definition is rendered from the settings it gives, the rules are the stack's.
     * The backend is one of them (incidentBackend "opscenter" adds the OpsCenter stand-in). The
     * other fields of these options are put over those settings (storms field by field).
     * Default: none set, every setting its default.
     */
    config?: Record<string, string>;
    /** Incident Manager's responders resolve each incident this long after it opened. Default: never. */
    resolveIncidentsAfterMs?: number;
}

/** The settings a stack with this configuration has. */
export function settingsOf(config: Record<string, string> = {}): Settings {
    return loadSettings(key => config[key], PROJECT_DIR);
}

/**
 * Fresh accounts for the tests of one describe block, each with its own table on one local
 * DynamoDB: started before the block's tests and stopped (its resources closed) after them.
 * Call inside `describe`. `defaults` go under every account's options (config key by key).
 */
export function replayAccounts(prefix: string, defaults: AccountOptions = {}) {
    let dynamoDb: LocalDynamoDb | undefined;
    let tables = 0;
    before(async () => { dynamoDb = await LocalDynamoDb.start(); });
    after(async () => {
        const running = dynamoDb;
        dynamoDb = undefined;
        await running?.stop();
    });
    const local = (): LocalDynamoDb => {
        if (!dynamoDb) throw new Error("replayAccounts: the local DynamoDB runs only while the describe block's tests do");
        return dynamoDb;
    };

    async function account(options: AccountOptions = {}) {
        const { config, resolveIncidentsAfterMs, storms, responsePlanArn, ...inputs } = { ...defaults, ...options, config: { ...defaults.config, ...options.config } };
        const settings = settingsOf(config);
        const db = local();
        const table = `${prefix}-${++tables}`;
        await db.createDedupTable(table);
        const opsCenterBackend = settings.incidentBackend === "opscenter";
        const plan = responsePlanArn ?? TEST_PLAN;
        const fromSettings = workflowSettingsOf(settings, TEST_RUNBOOK_DOCUMENT);
        const definition = renderStateMachineDefinition({
            tableName: table,
            ...(opsCenterBackend ? {} : { responsePlanArn: plan }),
            ...fromSettings,
            ...inputs,
            storms: { ...fromSettings.storms, ...storms },
        });
        const incidents = new IncidentManagerStandIn([plan]);
        incidents.respondersResolveAfterMs = resolveIncidentsAfterMs;
        const opsCenter = opsCenterBackend ? new OpsCenterStandIn(ACCOUNT, "us-east-1") : undefined;
        const replay = new ReplayAccount({ definition, patterns: stackRules(settings), dynamoDb: db, incidents, opsCenter });
        /** The table's item with this key (a finding's ID, or a group's or storm's key). */
        const item = (key: string) => db.getItem(table, { FindingId: { S: key } });
        /** The record of a finding: by its ID, or of the (ASFF) event that carries it. */
        const record = (finding: string | Record<string, any>) => item(typeof finding === "string" ? finding : finding.detail.findings[0].Id);
        return { replay, incidents, opsCenter, sh: replay.securityHub, settings, definition, table, item, record };
    }

    return {
        account,
        /** The local DynamoDB the accounts share (to inject faults, jitter or hold calls). */
        get dynamoDb(): LocalDynamoDb { return local(); },
    };
}
