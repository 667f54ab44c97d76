import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AsffRuleArgs, CompiledAutomationRule, OcsfRuleArgs } from "../lib/suppressions";

export interface SuppressionRulesArgs {
    /**
     * The compiled rules (lib/suppressions.ts `compileSuppressions`): CSPM automation rules for ASFF
     * findings and V2 automation rules for OCSF findings, each with its Pulumi name and arguments.
     * Default: none of either.
     */
    asff?: Array<CompiledAutomationRule<AsffRuleArgs>>;
    ocsf?: Array<CompiledAutomationRule<OcsfRuleArgs>>;
}

/**
 * The stack's suppression rules as native Security Hub automation rules (suppressionsFile). Only
 * the Security Hub administrator account can create them, and they apply in the Region they are
 * created in (docs/suppressions.md). The component declares what the compiler returns, nothing else.
 */
export class SuppressionRules extends pulumi.ComponentResource {
    readonly asffRules: aws.securityhub.AutomationRule[];
    readonly ocsfRules: aws.securityhub.AutomationRuleV2[];

    constructor(name: string, args: SuppressionRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:suppressions:SuppressionRules", name, {}, opts);
        this.asffRules = (args.asff ?? []).map(rule => new aws.securityhub.AutomationRule(`${name}-${rule.resourceName}`, rule.args, { parent: this }));
        this.ocsfRules = (args.ocsf ?? []).map(rule => new aws.securityhub.AutomationRuleV2(`${name}-${rule.resourceName}`, rule.args, { parent: this }));
        this.registerOutputs({
            asffRuleArns: this.asffRules.map(r => r.arn),
            ocsfRuleArns: this.ocsfRules.map(r => r.arn),
        });
    }
}
