package fakebackend

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// allowed reports whether name is on the B3 allow-list of top-level request members.
func allowed(name string) bool {
	switch name {
	case "model", "instructions", "input", "tools", "tool_choice", "parallel_tool_calls",
		"reasoning", "store", "stream", "include", "prompt_cache_key", "text":
		return true
	}
	return false
}

type detail struct {
	Detail string `json:"detail"`
}

// validate applies the backend's request rules to the top-level members of a body. It returns
// status 0 when the body is acceptable, else the status and JSON body of the rejection.
func validate(fields map[string]json.RawMessage) (int, any) {
	if fields == nil {
		return http.StatusBadRequest, detail{"Request body must be a JSON object"}
	}
	checks := []func(map[string]json.RawMessage) string{
		checkParams, checkStream, checkStore, checkInstructions, checkInputList, checkModel,
		checkItems,
	}
	for _, check := range checks {
		if msg := check(fields); msg != "" {
			return http.StatusBadRequest, detail{msg}
		}
	}
	if msg := checkEffort(fields); msg != "" {
		return http.StatusBadRequest, map[string]any{"error": map[string]any{
			"message": msg, "type": "invalid_request_error", "param": "reasoning.effort",
			"code": "unsupported_value",
		}}
	}
	return 0, nil
}

func checkParams(fields map[string]json.RawMessage) string {
	var extra []string
	for name := range fields {
		if !allowed(name) {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return ""
	}
	sort.Strings(extra)
	return "Unsupported parameter: " + extra[0]
}

func checkStream(fields map[string]json.RawMessage) string {
	if string(fields["stream"]) != "true" {
		return "Stream must be set to true"
	}
	return ""
}

func checkStore(fields map[string]json.RawMessage) string {
	if string(fields["store"]) != "false" {
		return "Store must be set to false"
	}
	return ""
}

func checkInstructions(fields map[string]json.RawMessage) string {
	var s string
	if err := json.Unmarshal(fields["instructions"], &s); err != nil || strings.TrimSpace(s) == "" {
		return "Instructions are required"
	}
	return ""
}

func checkInputList(fields map[string]json.RawMessage) string {
	var items []json.RawMessage
	if err := json.Unmarshal(fields["input"], &items); err != nil || items == nil {
		return "Input must be a list"
	}
	return ""
}

func checkModel(fields map[string]json.RawMessage) string {
	var m string
	_ = json.Unmarshal(fields["model"], &m)
	if _, ok := findModel(m); !ok {
		return fmt.Sprintf("The '%s' model is not supported when using Codex with a ChatGPT "+
			"account.", m)
	}
	return ""
}

// inputItem holds the members of an input item the rules look at.
type inputItem struct {
	Type   string          `json:"type"`
	Role   string          `json:"role"`
	ID     json.RawMessage `json:"id"`
	CallID string          `json:"call_id"`
}

func checkItems(fields map[string]json.RawMessage) string {
	var items []inputItem
	if err := json.Unmarshal(fields["input"], &items); err != nil {
		return "Input items must be objects"
	}
	calls := map[string]bool{}
	for _, it := range items {
		if it.Role == "system" {
			return "System messages are not allowed"
		}
		if len(it.ID) > 0 && string(it.ID) != "null" {
			var id string
			_ = json.Unmarshal(it.ID, &id)
			return fmt.Sprintf("Item with id '%s' not found. Items are not persisted when "+
				"`store` is set to false.", id)
		}
		switch it.Type {
		case "function_call", "custom_tool_call":
			calls[it.CallID] = true
		case "function_call_output", "custom_tool_call_output":
			if !calls[it.CallID] {
				return fmt.Sprintf("No tool call found for function call output with call_id %s.",
					it.CallID)
			}
		}
	}
	return ""
}

func checkEffort(fields map[string]json.RawMessage) string {
	var r struct {
		Effort string `json:"effort"`
	}
	if err := json.Unmarshal(fields["reasoning"], &r); err != nil || r.Effort == "" {
		return ""
	}
	var name string
	_ = json.Unmarshal(fields["model"], &name)
	m, _ := findModel(name)
	if slices.Contains(m.efforts, r.Effort) {
		return ""
	}
	return fmt.Sprintf("Unsupported value: '%s' is not supported with the '%s' model. "+
		"Supported values are: %s.", r.Effort, name, quoteList(m.efforts))
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ", ")
}
