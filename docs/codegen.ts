// GraphQL Code Generator for a frontend talking to Plaudit: `npx graphql-codegen --config codegen.ts`.
// Needs: npm i -D @graphql-codegen/cli @graphql-codegen/client-preset typescript
//
// Plaudit's custom scalars are ISO 8601 strings on the wire (see schema.graphql): map them to
// `string` and parse where you need a Date object; with `strictScalars` an unmapped scalar fails
// the build instead of silently becoming `any`. Ids are opaque global ids: keep them as strings.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  // The committed schema (or the live endpoint: "https://plaudit.example.com/graphql").
  schema: "schema.graphql",
  documents: ["src/**/*.{ts,tsx,graphql}"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        strictScalars: true,
        scalars: {
          DateTime: "string", // 2026-12-03T14:05:00Z — always UTC, always with Z
          Date: "string", // 2026-12-03
          JSON: "Record<string, unknown>", // only a signal's open-ended payload
        },
        enumsAsTypes: true, // "SENT" | "CLICKED" | … : no runtime enum objects
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false },
        skipTypename: false,
      },
    },
  },
};

export default config;
