import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { SeverityLabel } from "../lib/severity";
import { LogLevel } from "../lib/settings";
import { OpsCenterInputs, renderStateMachineDefinition, requiredTaskPermissions, StormInputs } from "../lib/stateMachineDefinition";
import type { IncidentBackend } from "../lib/config/backend";
import { serviceTrustPolicy, stateMachineObservabilityPolicy, stateMachineTaskPolicy, taskResources } from "../lib/policies";

export interface IncidentStateMachineArgs {
    /** Name of the dedup table the workflow claims findings in. */
    tableName: pulumi.Input<string>;
    /** ARN of the dedup table (scopes the DynamoDB permissions). */
    tableArn: pulumi.Input<string>;
    /** ARN of the response plan incidents are started with (unless their severity has its own). Required with the Incident Manager backend. */
    responsePlanArn?: pulumi.Input<string>;
    /** Where incidents are opened: Incident Manager (default) or OpsCenter (lib/config/backend.ts). */
    incidentBackend?: IncidentBackend;
    /** The OpsCenter backend's OpsItem fields and the runbook it lists on every OpsItem. Required with incidentBackend "opscenter". */
    opsCenter?: Omit<OpsCenterInputs, "runbookDocumentName"> & { runbookDocumentName: pulumi.Input<string> };
    /** Response plan per severity label, and per `<account>|<label>` for plans naming accounts (lib/responsePlans.ts). Default: none. */
    responsePlanArnBySeverity?: Partial<Record<SeverityLabel, pulumi.Input<string>>> & Record<string, pulumi.Input<string> | undefined>;
    /** Days a claim keeps a finding from opening another incident. */
    dedupTtlDays: number;
    /** Incident impact (1-5) for each severity label. */
    impactBySeverity: Record<SeverityLabel, number>;
    /** Mark each finding NOTIFIED with a Note naming its incident, and follow its resolution and re-open. Default: true. */
    notifyFindings?: boolean;
    /** Resolve an incident when its finding is resolved, suppressed or archived. Default: false. */
    resolveIncidentsWithFindings?: boolean;
    /** Days a finding's record is kept after the finding closed (a re-open within them links the old incident). Default: 365. */
    recordRetentionDays?: number;
    /** Open incidents for findings another tool marked NOTIFIED before the workflow saw them. Default: false. */
    openFindingsNotifiedByOthers?: boolean;
    /** One incident per account, Region, security control and resource for the standards' own control findings (consolidated control findings off). Default: true. */
    groupStandardFindings?: boolean;
    /** How incident storms are counted and rolled up. Default: 10 incidents per control per 60 minutes, 50 per hour. */
    storms?: Partial<StormInputs>;
    /** The finding formats the rules send: with OCSF, the workflow reads OCSF findings and writes them back with BatchUpdateFindingsV2. Default: ASFF. */
    findingFormats?: readonly string[];
    /** Execution log level; OFF creates no log group. Default: ERROR. */
    logLevel?: LogLevel;
    /** Log each state's input and output (may contain finding details). Default: false. */
    logIncludeExecutionData?: boolean;
    /** Days execution logs are kept. Default: 90. */
    logRetentionDays?: number;
    /** Send X-Ray traces. Default: false. */
    tracingEnabled?: boolean;
}

/**
 * The Step Functions workflow that turns one finding event into at most one incident. Its
 * definition is rendered from statemachine/; its role may call exactly the actions the
 * rendered definition's tasks call, each on its own resource.
 */
export class IncidentStateMachine extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly logGroup?: aws.cloudwatch.LogGroup;
    readonly stateMachine: aws.sfn.StateMachine;
    readonly definition: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: IncidentStateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:workflow:IncidentStateMachine", name, args, opts);
        const logLevel = args.logLevel ?? "ERROR";
        const logging = logLevel !== "OFF";
        const tracing = args.tracingEnabled ?? false;
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        const backend = args.incidentBackend ?? "incident-manager";
        if (backend === "incident-manager" && args.responsePlanArn === undefined) throw new Error(`${name}: the Incident Manager backend needs responsePlanArn`);
        if (backend === "opscenter" && !args.opsCenter) throw new Error(`${name}: the OpsCenter backend needs opsCenter`);
        const render = (tableName: string, responsePlanArn: string, responsePlanArnBySeverity: Partial<Record<SeverityLabel, string>> = {}, runbookDocumentName = "") => renderStateMachineDefinition({
            tableName,
            ...(backend === "incident-manager" ? { responsePlanArn, responsePlanArnBySeverity } : {}),
            incidentBackend: backend,
            ...(args.opsCenter ? { opsCenter: { ...args.opsCenter, runbookDocumentName } } : {}),
            dedupTtlDays: args.dedupTtlDays,
            impactBySeverity: args.impactBySeverity,
            notifyFindings: args.notifyFindings ?? true,
            resolveIncidentsWithFindings: args.resolveIncidentsWithFindings ?? false,
            recordRetentionDays: args.recordRetentionDays ?? 365,
            openFindingsNotifiedByOthers: args.openFindingsNotifiedByOthers ?? false,
            groupStandardFindings: args.groupStandardFindings ?? true,
            storms: args.storms,
            findingFormats: args.findingFormats,
        });
        // Render once with stand-in names now, so a broken template stops `pulumi preview` before
        // anything is declared; the real rendering waits for the table name and plan ARN.
        requiredTaskPermissions(render("template-check", "arn:aws:ssm-incidents::000000000000:response-plan/template-check", {}, "template-check"));
        const plansBySeverity = pulumi.output(args.responsePlanArnBySeverity ?? {}) as pulumi.Output<Partial<Record<SeverityLabel, string>>>;
        const definition = pulumi.all([args.tableName, args.responsePlanArn ?? "", plansBySeverity, args.opsCenter?.runbookDocumentName ?? ""]).apply(([tableName, responsePlanArn, bySeverity, runbook]) => render(tableName, responsePlanArn, bySeverity, runbook));
        this.definition = definition.apply(d => JSON.stringify(d, null, 2));

        this.role = new aws.iam.Role(`${name}-role`, {
            description: "Lets the incident workflow claim findings and start incidents",
            assumeRolePolicy: accountId.apply(account => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", { sourceAccount: account }))),
        }, { parent: this });

        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const taskPolicy = new aws.iam.RolePolicy(`${name}-tasks`, {
            role: this.role.id,
            policy: pulumi.all([definition, args.tableArn, args.responsePlanArn ?? "", plansBySeverity, partition, region, accountId, args.opsCenter?.runbookDocumentName ?? ""]).apply(([d, tableArn, responsePlanArn, bySeverity, p, r, account, runbook]) =>
                JSON.stringify(stateMachineTaskPolicy(requiredTaskPermissions(d), taskResources({
                    partition: p, region: r, accountId: account, tableArn, responsePlanArns: [responsePlanArn, ...Object.values(bySeverity)].filter((a): a is string => Boolean(a)),
                    ...(runbook ? { runbookDocumentName: runbook } : {}),
                })))),
        }, { parent: this });

        const dependsOn: pulumi.Resource[] = [taskPolicy];
        const observability = stateMachineObservabilityPolicy({ logging, tracing });
        if (observability) {
            dependsOn.push(new aws.iam.RolePolicy(`${name}-observability`, {
                role: this.role.id,
                policy: JSON.stringify(observability),
            }, { parent: this }));
        }
        if (logging) {
            this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
                // The vended-logs prefix keeps CloudWatch's resource policy small (AWS recommendation).
                namePrefix: `/aws/vendedlogs/states/${name}-`,
                retentionInDays: args.logRetentionDays ?? 90,
            }, { parent: this });
        }

        this.stateMachine = new aws.sfn.StateMachine(`${name}-workflow`, {
            type: "STANDARD",
            roleArn: this.role.arn,
            definition: this.definition,
            loggingConfiguration: this.logGroup
                ? { level: logLevel, includeExecutionData: args.logIncludeExecutionData ?? false, logDestination: pulumi.interpolate`${this.logGroup.arn}:*` }
                : { level: "OFF" },
            tracingConfiguration: { enabled: tracing },
        }, { parent: this, dependsOn });

        this.arn = this.stateMachine.arn;
        this.name = this.stateMachine.name;
        this.registerOutputs({ arn: this.arn, name: this.name, roleArn: this.role.arn, definition: this.definition });
    }
}
