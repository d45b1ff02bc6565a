// The OpenTelemetry protocol's messages, compiled from the official .proto files by protobufjs and
// shipped in @opentelemetry/otlp-transformer 0.214.0 (the last release that ships the logs messages too; later ones drop them signal by signal; its .d.ts
// declares nothing). Only what src/spend/otlp.ts uses is typed here.
declare module "@opentelemetry/otlp-transformer/build/src/generated/root.js" {
  interface ConversionOptions {
    longs?: StringConstructor | NumberConstructor;
    enums?: StringConstructor | NumberConstructor;
    bytes?: StringConstructor | ArrayConstructor;
    defaults?: boolean;
    arrays?: boolean;
  }
  interface MessageType {
    decode(reader: Uint8Array): object;
    encode(message: object): { finish(): Uint8Array };
    fromObject(object: unknown): object;
    toObject(message: object, options?: ConversionOptions): Record<string, unknown>;
    verify(message: unknown): string | null;
  }
  const root: {
    opentelemetry: {
      proto: {
        collector: {
          metrics: { v1: { ExportMetricsServiceRequest: MessageType; ExportMetricsServiceResponse: MessageType } };
          logs: { v1: { ExportLogsServiceRequest: MessageType; ExportLogsServiceResponse: MessageType } };
        };
      };
    };
  };
  export default root;
}
