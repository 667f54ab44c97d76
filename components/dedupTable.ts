import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DEDUP_EXPIRY_ATTRIBUTE, DEDUP_KEY_ATTRIBUTE } from "../lib/stateMachineDefinition";

export interface DedupTableArgs {
    /** Table name. Default: auto-named by Pulumi from the component name. */
    tableName?: string;
    /** Refuse to delete the table (DynamoDB deletion protection). Default: false. */
    deletionProtection?: boolean;
    /** Keep 35 days of point-in-time backups. Default: false. */
    pointInTimeRecovery?: boolean;
}

/**
 * The DynamoDB table that records which findings already have an incident. One item per
 * finding ID; DynamoDB's TTL deletes an item some time after its ExpiresAt (epoch seconds).
 */
export class DedupTable extends pulumi.ComponentResource {
    readonly table: aws.dynamodb.Table;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: DedupTableArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:dedup:DedupTable", name, args, opts);
        this.table = new aws.dynamodb.Table(`${name}-table`, {
            name: args.tableName,
            billingMode: "PAY_PER_REQUEST",
            hashKey: DEDUP_KEY_ATTRIBUTE,
            attributes: [{ name: DEDUP_KEY_ATTRIBUTE, type: "S" }],
            ttl: { attributeName: DEDUP_EXPIRY_ATTRIBUTE, enabled: true },
            serverSideEncryption: { enabled: true },
            pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? false },
            deletionProtectionEnabled: args.deletionProtection ?? false,
        }, { parent: this });
        this.name = this.table.name;
        this.arn = this.table.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
