import { AddressInfo } from "net";
import { Server } from "http";
import {
    CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DEDUP_KEY_ATTRIBUTE } from "../lib/stateMachineDefinition";
import { StatesError } from "./stepFunctionsJsonata";

// dynalite has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

const COMMANDS = {
    getItem: GetItemCommand,
    putItem: PutItemCommand,
    updateItem: UpdateItemCommand,
    deleteItem: DeleteItemCommand,
} as const;

export type DynamoDbAction = keyof typeof COMMANDS;

/**
 * DynamoDB on loopback (dynalite, in memory), called the way Step Functions' optimized
 * integration calls it: the state's parameters are the API request, and service errors come
 * back as `DynamoDB.<ErrorName>`.
 */
export class LocalDynamoDb {
    private constructor(private readonly server: Server, readonly client: DynamoDBClient, readonly endpoint: string) {}

    static async start(): Promise<LocalDynamoDb> {
        const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const client = new DynamoDBClient({
            endpoint,
            region: "us-east-1",
            credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
            maxAttempts: 1,
        });
        return new LocalDynamoDb(server, client, endpoint);
    }

    /** Creates a table shaped like the DedupTable component's (partition key FindingId, string). */
    async createDedupTable(tableName: string): Promise<void> {
        await this.client.send(new CreateTableCommand({
            TableName: tableName,
            KeySchema: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: DEDUP_KEY_ATTRIBUTE, AttributeType: "S" }],
            BillingMode: "PAY_PER_REQUEST",
        }));
    }

    /** One optimized-integration call (`arn:aws:states:::dynamodb:<action>`). */
    async call(action: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
        const Command = COMMANDS[action as DynamoDbAction];
        if (!Command) throw new StatesError("States.Runtime", `dynamodb:${action} is not an optimized DynamoDB integration the offline engine knows`);
        try {
            const { $metadata, ...output } = await this.client.send(new (Command as any)(request)) as unknown as Record<string, unknown>;
            void $metadata;
            return output;
        } catch (err) {
            const error = err as Error;
            throw new StatesError(`DynamoDB.${error.name}`, `${error.message} (Service: DynamoDb, Error Code: ${error.name})`);
        }
    }

    /** Every item in a table (for reports and tests). */
    async scan(tableName: string): Promise<Array<Record<string, any>>> {
        const items: Array<Record<string, any>> = [];
        let start: Record<string, any> | undefined;
        do {
            const page = await this.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
            items.push(...(page.Items ?? []));
            start = page.LastEvaluatedKey;
        } while (start);
        return items;
    }

    async stop(): Promise<void> {
        this.client.destroy();
        await new Promise<void>(resolve => this.server.close(() => resolve()));
    }
}
