import type * as Grpc from '@grpc/grpc-js'
import { assertSupportedNode } from '../supported-node.js'

/**
 * The part of Salesforce's Pub/Sub API (package `eventbus.v1`, service `PubSub`) that pgforce
 * speaks, as protobuf: the same message names, field numbers and types as Salesforce's published
 * definition, so it is the same wire format (docs/guides/change-sources.md, "Pub/Sub API").
 * Publishing and managed subscriptions are left out. Kept as text in the code so that it ships
 * inside the bundle and needs no file at run time.
 * @internal
 */
export const PUBSUB_API_PROTO = `
syntax = "proto3";
package eventbus.v1;

message TopicInfo {
  string topic_name = 1;
  string tenant_guid = 2;
  bool can_publish = 3;
  bool can_subscribe = 4;
  string schema_id = 5;
  string rpc_id = 6;
}
message TopicRequest { string topic_name = 1; }
message EventHeader { string key = 1; bytes value = 2; }
message ProducerEvent {
  string id = 1;
  string schema_id = 2;
  bytes payload = 3;
  repeated EventHeader headers = 4;
}
message ConsumerEvent { ProducerEvent event = 1; bytes replay_id = 2; }
enum ReplayPreset { LATEST = 0; EARLIEST = 1; CUSTOM = 2; }
message FetchRequest {
  string topic_name = 1;
  ReplayPreset replay_preset = 2;
  bytes replay_id = 3;
  int32 num_requested = 4;
  string auth_refresh = 5;
}
message FetchResponse {
  repeated ConsumerEvent events = 1;
  bytes latest_replay_id = 2;
  string rpc_id = 3;
  int32 pending_num_requested = 4;
}
message SchemaRequest { string schema_id = 1; }
message SchemaInfo { string schema_json = 1; string schema_id = 2; string rpc_id = 3; }

service PubSub {
  rpc Subscribe (stream FetchRequest) returns (stream FetchResponse);
  rpc GetSchema (SchemaRequest) returns (SchemaInfo);
  rpc GetTopic (TopicRequest) returns (TopicInfo);
}
`

/** `FetchRequest` as the loaded definition reads and writes it (field names as in the proto). @internal */
export interface FetchRequest {
  readonly topic_name?: string
  readonly replay_preset?: 'LATEST' | 'EARLIEST' | 'CUSTOM' | number
  readonly replay_id?: Uint8Array
  readonly num_requested?: number
  readonly auth_refresh?: string
}

/** One event of a `FetchResponse`. @internal */
export interface ConsumerEvent {
  readonly event?: {
    readonly id?: string
    readonly schema_id?: string
    readonly payload?: Uint8Array
  }
  readonly replay_id?: Uint8Array
}

/** `FetchResponse`. @internal */
export interface FetchResponse {
  readonly events?: readonly ConsumerEvent[]
  readonly latest_replay_id?: Uint8Array
  readonly rpc_id?: string
  readonly pending_num_requested?: number
}

/** `SchemaInfo`. @internal */
export interface SchemaInfo {
  readonly schema_json?: string
  readonly schema_id?: string
  readonly rpc_id?: string
}

/** `TopicInfo`. @internal */
export interface TopicInfo {
  readonly topic_name?: string
  readonly tenant_guid?: string
  readonly can_publish?: boolean
  readonly can_subscribe?: boolean
  readonly schema_id?: string
  readonly rpc_id?: string
}

/** The loaded API: grpc-js and the `PubSub` service definition. @internal */
export interface PubSubApi {
  readonly grpc: typeof Grpc
  readonly service: Grpc.ServiceDefinition
  /** A client class for the service (methods `Subscribe`, `GetSchema`, `GetTopic`). */
  readonly Client: Grpc.ServiceClientConstructor
}

let loading: Promise<PubSubApi> | undefined

/**
 * Loads grpc-js and the Pub/Sub service definition on first use (not when pgforce is imported).
 * @internal
 */
export function loadPubSubApi(): Promise<PubSubApi> {
  loading ??= load()
  return loading
}

async function load(): Promise<PubSubApi> {
  assertSupportedNode()
  const [grpc, protoLoader, protobuf] = await Promise.all([
    import('@grpc/grpc-js'),
    import('@grpc/proto-loader'),
    import('protobufjs'),
  ])
  const parse =
    protobuf.parse ?? (protobuf as unknown as { default: typeof protobuf }).default.parse
  const parsed = parse(PUBSUB_API_PROTO, { keepCase: true })
  const definition = protoLoader.fromJSON(parsed.root.toJSON(), {
    keepCase: true,
    enums: String,
    longs: String,
    defaults: false,
    oneofs: true,
  })
  const Client = grpc.makeClientConstructor(
    definition['eventbus.v1.PubSub'] as unknown as Grpc.ServiceDefinition,
    'PubSub',
  ) as unknown as Grpc.ServiceClientConstructor
  return {
    grpc,
    service: definition['eventbus.v1.PubSub'] as unknown as Grpc.ServiceDefinition,
    Client,
  }
}
