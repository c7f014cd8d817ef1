package canon

import "encoding/json"

// Event types of the backend stream that lagp acts on (PROTOCOL.md §3.2). Others are ignored by
// [Turn] but still reach the Responses passthrough in [Event.Raw].
const (
	EventCreated              = "response.created"
	EventOutputItemAdded      = "response.output_item.added"
	EventOutputItemDone       = "response.output_item.done"
	EventOutputTextDelta      = "response.output_text.delta"
	EventReasoningPartAdded   = "response.reasoning_summary_part.added"
	EventReasoningSummaryText = "response.reasoning_summary_text.delta"
	EventReasoningTextDelta   = "response.reasoning_text.delta"
	EventFunctionArgsDelta    = "response.function_call_arguments.delta"
	EventFunctionArgsDone     = "response.function_call_arguments.done"
	EventCompleted            = "response.completed"
	EventIncomplete           = "response.incomplete"
	EventFailed               = "response.failed"
	EventError                = "error"
)

// Event is one decoded server-sent event of the backend stream. Which fields are set depends on
// Type; Raw is the event's data exactly as received.
type Event struct {
	Type         string          `json:"type"`
	Sequence     int             `json:"sequence_number"`
	OutputIndex  int             `json:"output_index"`
	ItemID       string          `json:"item_id"`
	ContentIndex int             `json:"content_index"`
	SummaryIndex int             `json:"summary_index"`
	Delta        string          `json:"delta"`
	Text         string          `json:"text"`
	Arguments    string          `json:"arguments"`
	Item         *OutputItem     `json:"item"`
	Response     *Response       `json:"response"`
	Message      string          `json:"message"`
	Code         string          `json:"code"`
	Error        *ResponseError  `json:"error"`
	Raw          json.RawMessage `json:"-"`
}

// OutputItem is an item of the model's output, as announced by output_item.added and finalised
// by output_item.done.
type OutputItem struct {
	ID               string  `json:"id"`
	Type             string  `json:"type"`
	Status           string  `json:"status"`
	Role             string  `json:"role"`
	Content          []Part  `json:"content"`
	Summary          []Part  `json:"summary"`
	EncryptedContent *string `json:"encrypted_content"`
	CallID           string  `json:"call_id"`
	Name             string  `json:"name"`
	Arguments        string  `json:"arguments"`
	Input            string  `json:"input"`
}

// Response is the response object carried by created, completed, incomplete and failed events.
// Its Output is deliberately not decoded: the backend may send it empty (PROTOCOL.md §3.3).
type Response struct {
	ID                string         `json:"id"`
	CreatedAt         int64          `json:"created_at"`
	Status            string         `json:"status"`
	Model             string         `json:"model"`
	Usage             *Usage         `json:"usage"`
	Error             *ResponseError `json:"error"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
}

// ResponseError is the error object of a failed response or an error event.
type ResponseError struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	ResetsAt int64  `json:"resets_at"`
}

// Usage is the token accounting of a completed response.
type Usage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

// ParseEvent decodes the data of one server-sent event.
func ParseEvent(data []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, err
	}
	ev.Raw = data
	return ev, nil
}
