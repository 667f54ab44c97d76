import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadRunbook, Runbook } from "../lib/runbook";

export interface RunbookDocumentArgs {
    /** Path of the runbook YAML (an SSM Automation document, schemaVersion 0.3). */
    file: string;
    /** Document name. Default: auto-named by Pulumi from the component name. */
    documentName?: string;
    /**
     * Seconds each aws:pause step (a runbook phase) waits for Resume before it times out, for
     * steps that set no timeoutSeconds themselves (1 to 2,592,000, i.e. 30 days). Default: the
     * steps as written (aws:pause's own default is 7 days).
     */
    pauseTimeoutSeconds?: number;
}

/**
 * The runbook Incident Manager starts for every incident: an SSM Automation document in YAML.
 * The file is validated against AWS's Automation schema, for a sound step graph, for pause
 * timeouts and for Systems Manager's 64 KB document limit before any resource is declared, so a
 * broken runbook stops `pulumi preview` with the file and step named.
 */
export class RunbookDocument extends pulumi.ComponentResource {
    readonly runbook: Runbook;
    readonly document: aws.ssm.Document;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: RunbookDocumentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securityhub-incidents:runbook:RunbookDocument", name, args, opts);
        this.runbook = loadRunbook(args.file, { pauseTimeoutSeconds: args.pauseTimeoutSeconds });
        this.document = new aws.ssm.Document(`${name}-document`, {
            name: args.documentName,
            documentType: "Automation",
            documentFormat: "YAML",
            content: this.runbook.content,
        }, { parent: this });
        this.name = this.document.name;
        this.arn = this.document.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
