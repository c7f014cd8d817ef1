package ollama

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/wire"
)

// WriteError answers a request that failed before any output with Ollama's error shape,
// {"error":"…"}, and the status of the error's kind. A positive RetryAfter becomes a Retry-After
// header in whole seconds, rounded up; a usage limit also gets x-should-retry: false, as retrying
// cannot help before the limit resets.
func WriteError(w http.ResponseWriter, e *canon.Error) {
	if e == nil {
		e = &canon.Error{Kind: canon.KindInternal, Message: "internal error"}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(retrySeconds(e.RetryAfter), 10))
	}
	if e.Code == canon.CodeUsageLimit {
		h.Set("x-should-retry", "false")
	}
	w.WriteHeader(e.Status())
	_, _ = w.Write(errorLine(nil, e))
}

// errorLine appends the line {"error":"…"} for e, newline included. The same line ends a
// stream that fails after output was sent.
func errorLine(b []byte, e *canon.Error) []byte {
	msg := "internal error"
	if e != nil && e.Message != "" {
		msg = e.Message
	}
	b = append(b, `{"error":`...)
	b = wire.AppendString(b, msg)
	return append(b, "}\n"...)
}

func retrySeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
