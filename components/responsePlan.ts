import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { incidentRecordArnPattern, runbookRolePolicy, serviceTrustPolicy } from "../lib/policies";
import { RESPONSE_PLAN_LIMITS, RESPONSE_PLAN_NAME } from "../lib/limits";
import { DEFAULT_INCIDENT_IMPACT } from "../lib/severity";
import { DynamicParameterValue } from "../lib/runbookParameters";

export interface ResponsePlanArgs {
    /** Response plan name (letters, digits, - and _). Also scopes the runbook role's trust. */
    responsePlanName: string;
    /** Name of the SSM Automation document to run for every incident. */
    runbookDocumentName: pulumi.Input<string>;
    /**
     * Values Incident Manager fills in when it starts the runbook: document parameter name →
     * INCIDENT_RECORD_ARN or INVOLVED_RESOURCES (see lib/runbookParameters.ts). Default: none.
     */
    dynamicParameters?: Readonly<Record<string, DynamicParameterValue>>;
    /** Version of that document to run: `$DEFAULT`, `$LATEST` or a version number. Default: `$DEFAULT`. */
    runbookDocumentVersion?: string;
    /** Title of incidents started without one. Default: "Security Hub finding". */
    incidentTitle?: string;
    /** Impact of incidents started without one (1 critical … 5 none). Default: 3. */
    defaultImpact?: number;
    /** SNS topics wired to AWS Chatbot for the incident's chat channel. Default: none. */
    chatChannelTopicArns?: string[];
    /** Incident Manager contacts or escalation plans engaged for every incident. Default: none. */
    engagementContactArns?: string[];
    /** SNS topics notified of incident updates. Default: none. */
    notificationTopicArns?: string[];
    /**
     * Create the Incident Manager replication set. Default: false, because an account can have
     * only one and accounts that use Incident Manager already have it.
     */
    createReplicationSet?: boolean;
    /** Regions of the replication set when it is created. Default: the provider's Region. */
    replicationRegions?: string[];
    /**
     * A replication set declared elsewhere (by another plan of the stack: an account has only
     * one) that this plan must wait for. Default: none.
     */
    replicationSetDependency?: pulumi.Resource;
}


/**
 * The Incident Manager response plan the workflow starts incidents with. Its action runs the
 * runbook through a role that Incident Manager may assume only for this plan's incidents and
 * that may start only that runbook.
 */
export class ResponsePlan extends pulumi.ComponentResource {
    readonly replicationSet?: aws.ssmincidents.ReplicationSet;
    readonly runbookRole: aws.iam.Role;
    readonly responsePlan: aws.ssmincidents.ResponsePlan;
    readonly arn: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: ResponsePlanArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:incidents:ResponsePlan", name, args, opts);
        if (!new RegExp(RESPONSE_PLAN_NAME.pattern).test(args.responsePlanName) || args.responsePlanName.length > RESPONSE_PLAN_NAME.maxLength) {
            throw new Error(`ResponsePlan ${name}: responsePlanName ${JSON.stringify(args.responsePlanName)} must be 1-${RESPONSE_PLAN_NAME.maxLength} letters, digits, - or _`);
        }
        // CreateResponsePlan's limits (lib/limits.ts), so a component used on its own fails at preview too.
        const counted: Array<[string, readonly unknown[] | undefined, number]> = [
            ["engagementContactArns", args.engagementContactArns, RESPONSE_PLAN_LIMITS.engagements],
            ["chatChannelTopicArns", args.chatChannelTopicArns, RESPONSE_PLAN_LIMITS.chatChannelTopicsMax],
            ["notificationTopicArns", args.notificationTopicArns, RESPONSE_PLAN_LIMITS.notificationTargets],
            ["replicationRegions", args.replicationRegions, RESPONSE_PLAN_LIMITS.replicationRegionsMax],
        ];
        for (const [field, list, max] of counted) {
            if ((list?.length ?? 0) > max) throw new Error(`ResponsePlan ${name}: ${field} has ${list!.length} entries; Incident Manager takes at most ${max}`);
        }
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        if (args.createReplicationSet) {
            const regions = args.replicationRegions && args.replicationRegions.length > 0
                ? pulumi.output(args.replicationRegions)
                : aws.getRegionOutput({}, { parent: this }).region.apply(r => [r]);
            this.replicationSet = new aws.ssmincidents.ReplicationSet(`${name}-replication-set`, {
                regions: regions.apply(rs => rs.map(region => ({ name: region }))),
            }, { parent: this });
        }

        this.runbookRole = new aws.iam.Role(`${name}-runbook-role`, {
            description: `Lets Incident Manager run the runbook of response plan ${args.responsePlanName}`,
            assumeRolePolicy: pulumi.all([partition, accountId]).apply(([p, account]) => JSON.stringify(
                serviceTrustPolicy("ssm-incidents.amazonaws.com", {
                    sourceAccount: account,
                    sourceArn: incidentRecordArnPattern(p, account, args.responsePlanName),
                }))),
        }, { parent: this });
        const rolePolicy = new aws.iam.RolePolicy(`${name}-runbook-policy`, {
            role: this.runbookRole.id,
            policy: pulumi.all([partition, accountId, args.runbookDocumentName]).apply(([p, account, documentName]) =>
                JSON.stringify(runbookRolePolicy(p, account, documentName))),
        }, { parent: this });

        this.responsePlan = new aws.ssmincidents.ResponsePlan(`${name}-plan`, {
            name: args.responsePlanName,
            displayName: `Security Hub findings (${args.responsePlanName})`,
            incidentTemplate: {
                title: args.incidentTitle ?? "Security Hub finding",
                impact: args.defaultImpact ?? DEFAULT_INCIDENT_IMPACT,
                notificationTargets: (args.notificationTopicArns ?? []).map(snsTopicArn => ({ snsTopicArn })),
            },
            chatChannels: args.chatChannelTopicArns ?? [],
            engagements: args.engagementContactArns ?? [],
            action: {
                ssmAutomations: [{
                    documentName: args.runbookDocumentName,
                    // Left unset, the provider sends an empty version; $DEFAULT is the document's
                    // default version (SSM's Runbook type: $DEFAULT, $LATEST or a number).
                    documentVersion: args.runbookDocumentVersion ?? "$DEFAULT",
                    roleArn: this.runbookRole.arn,
                    targetAccount: "RESPONSE_PLAN_OWNER_ACCOUNT",
                    ...(args.dynamicParameters && Object.keys(args.dynamicParameters).length > 0 ? { dynamicParameters: { ...args.dynamicParameters } } : {}),
                }],
            },
        }, { parent: this, dependsOn: [rolePolicy, ...(this.replicationSet ? [this.replicationSet] : []), ...(args.replicationSetDependency ? [args.replicationSetDependency] : [])] });

        this.arn = this.responsePlan.arn;
        this.name = this.responsePlan.name;
        this.registerOutputs({ arn: this.arn, name: this.name, runbookRoleArn: this.runbookRole.arn });
    }
}
