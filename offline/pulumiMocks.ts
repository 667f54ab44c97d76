import * as pulumi from "@pulumi/pulumi";

/** A resource the program declared, with the inputs Pulumi would send to the provider. */
export interface DeclaredResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

export const MOCK_ACCOUNT = "111122223333";

/** Provider-computed attributes the program depends on, shaped like the real ones. */
function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
    const physical = inputs.name ?? (inputs.namePrefix ? `${inputs.namePrefix}0001` : `${name}-0001`);
    const arns: Record<string, string> = {
        "aws:dynamodb/table:Table": `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT}:table/${physical}`,
        "aws:ssm/document:Document": `arn:aws:ssm:${region}:${MOCK_ACCOUNT}:document/${physical}`,
        "aws:ssmincidents/responsePlan:ResponsePlan": `arn:aws:ssm-incidents::${MOCK_ACCOUNT}:response-plan/${physical}`,
        "aws:ssmincidents/replicationSet:ReplicationSet": `arn:aws:ssm-incidents::${MOCK_ACCOUNT}:replication-set/${physical}`,
        "aws:iam/role:Role": `arn:aws:iam::${MOCK_ACCOUNT}:role/${physical}`,
        "aws:sfn/stateMachine:StateMachine": `arn:aws:states:${region}:${MOCK_ACCOUNT}:stateMachine:${physical}`,
        "aws:cloudwatch/logGroup:LogGroup": `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${physical}`,
        "aws:cloudwatch/eventRule:EventRule": `arn:aws:events:${region}:${MOCK_ACCOUNT}:rule/${physical}`,
        "aws:sqs/queue:Queue": `arn:aws:sqs:${region}:${MOCK_ACCOUNT}:${physical}`,
        "aws:cloudwatch/metricAlarm:MetricAlarm": `arn:aws:cloudwatch:${region}:${MOCK_ACCOUNT}:alarm:${physical}`,
    };
    const state: Record<string, unknown> = { ...inputs, name: physical };
    if (arns[type]) state.arn = arns[type];
    if (type === "aws:sqs/queue:Queue") state.url = `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT}/${physical}`;
    return state;
}

/**
 * Installs Pulumi runtime mocks that record every declared resource. Call before the program
 * (or a component) is imported.
 */
export function installMocks(region = "ap-northeast-1", stack = "test"): DeclaredResource[] {
    const declared: DeclaredResource[] = [];
    pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            declared.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state = computedState(args.type, args.name, args.inputs, region);
            return { id: `${state.name}-id`, state };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            switch (args.token) {
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/deployer`, userId: "AIDAEXAMPLE", id: MOCK_ACCOUNT };
                case "aws:index/getPartition:getPartition":
                    return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                case "aws:index/getRegion:getRegion":
                    return { name: region, region, id: region };
                default:
                    throw new Error(`no mock for function ${args.token}`);
            }
        },
    }, "securityhub-incidents", stack, false);
    return declared;
}

/** Resolves an Output's value (under mocks every value is known). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise(resolve => output.apply(value => { resolve(value); return value; }));
}

/** Waits until no new resource has been declared for a while: the program has finished. */
export async function settled(declared: DeclaredResource[], quietMs = 50): Promise<void> {
    let count = -1;
    while (count !== declared.length) {
        count = declared.length;
        await new Promise(resolve => setTimeout(resolve, quietMs));
    }
}

/**
 * Renders the real program (index.ts) for a stack under these mocks, as `npm run synth` and
 * `npm run verify` both do: its config set, every resource declared and settled. A program that
 * refuses its settings throws while it is required; `onError` is handed that message.
 */
export async function renderProgram(config: { region?: string; stack: string; values: Record<string, string> }, onError: (message: string) => never): Promise<DeclaredResource[]> {
    const declared = installMocks(config.region, config.stack);
    pulumi.runtime.setAllConfig(config.values);
    try {
        require("../index");
    } catch (err) {
        onError((err as Error).message);
    }
    await settled(declared);
    return declared;
}
