// Package upstream talks to the ChatGPT Codex backend: it sends canonical requests to
// /responses with the Codex client's headers, credentials from a [TokenSource], retries and one
// token renewal (PROTOCOL.md §7 B1, B2, B15), and reads the answer as a stream of typed events
// with its SSE [Reader]. It maps backend errors to client errors (C8, C9), keeps the latest
// rate-limit snapshot from every response's headers (C10), and lists the account's models with
// a cached [Catalog] (B14). It knows nothing of client dialects.
package upstream
