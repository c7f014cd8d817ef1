// Package wire holds what the dialect translators share below the canonical form:
// allocation-free JSON appending and request-body decoding with errors that name the field at
// fault and never echo content.
//
// Request bodies may carry secrets a client pasted into a prompt, so no error made here quotes
// a byte of the body: a message names the parameter, the JSON type wanted and the kind of value
// sent, and for a syntax error the byte offset, nothing else.
package wire
