// Package openai is lagp's OpenAI dialect: it decodes the bodies of /v1/chat/completions,
// /v1/completions and /v1/responses into a [canon.Draft], and encodes a model turn back into the
// wire format each of those routes promises, streamed or whole. It also shapes OpenAI errors and
// the /v1/models list.
//
// Everything here is a pure function of its input, except [WriteError], which writes an
// [http.ResponseWriter]. The HTTP glue (body limits, headers, flushing, upstream calls) lives in
// package proxy.
package openai
