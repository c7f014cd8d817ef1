package canon

// Encoder writes a turn in one dialect's streaming wire format. The proxy calls Delta for each
// delta in order; if the turn fails after the first delta was written it calls Fail once.
// Nothing is written after a [DeltaDone] delta or after Fail.
type Encoder interface {
	Delta(d Delta) error
	Fail(e *Error) error
}
