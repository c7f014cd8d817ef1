package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuthJSONRoundTrip(t *testing.T) {
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	tok.LastRefresh = coreT0.Add(123456 * time.Microsecond)
	b, err := MarshalAuthJSON(tok)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalAuthJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tok, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestMarshalAuthJSONCodexLayout(t *testing.T) {
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	b, err := MarshalAuthJSON(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\n  \"tokens\"")) {
		t.Errorf("not pretty-printed:\n%s", b)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"auth_mode":      "chatgpt",
		"OPENAI_API_KEY": nil,
		"tokens": map[string]any{
			"id_token":      tok.IDToken,
			"access_token":  tok.AccessToken,
			"refresh_token": tok.RefreshToken,
			"account_id":    tok.AccountID,
		},
		"last_refresh": "2026-08-01T12:00:00Z",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("auth.json (-want +got):\n%s", d)
	}
}

func TestMarshalAuthJSONRefusesIncomplete(t *testing.T) {
	if _, err := MarshalAuthJSON(Tokens{AccessToken: "a"}); err == nil {
		t.Error("no error for a sign-in without refresh token")
	}
}

func TestUnmarshalAuthJSON(t *testing.T) {
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	tokensObj := func(extra string) string {
		return fmt.Sprintf(`{"id_token":%q,"access_token":%q,"refresh_token":%q%s}`,
			tok.IDToken, tok.AccessToken, tok.RefreshToken, extra)
	}
	noLast := tok
	noLast.LastRefresh = time.Time{}
	tests := []struct {
		name    string
		in      string
		want    Tokens
		wantErr string
	}{
		{
			name: "codex layout",
			in: `{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":` +
				tokensObj(`,"account_id":"acct-1111-2222"`) +
				`,"last_refresh":"2026-08-01T12:00:00.000000Z"}`,
			want: tok,
		},
		{
			name: "lagp-py layout: raw token answer, no last_refresh",
			in: `{"tokens":` + tokensObj(`,"expires_in":864000,"token_type":"bearer",`+
				`"account_id":"acct-1111-2222"`) + `}`,
			want: noLast,
		},
		{
			name: "chatmock layout: no auth_mode, null account id recomputed",
			in: `{"OPENAI_API_KEY":null,"tokens":` + tokensObj(`,"account_id":null`) +
				`,"last_refresh":"2026-08-01T12:00:00Z"}`,
			want: tok,
		},
		{
			name: "unreadable last_refresh is left zero",
			in:   `{"tokens":` + tokensObj("") + `,"last_refresh":"yesterday"}`,
			want: noLast,
		},
		{name: "api key file", in: `{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}`,
			wantErr: "not a ChatGPT sign-in"},
		{name: "no tokens", in: `{"auth_mode":"chatgpt"}`, wantErr: "no ChatGPT tokens"},
		{name: "broken JSON", in: `{"tokens":{"refresh_token":"rt_leak` + "\x00",
			wantErr: "invalid JSON"},
		{name: "wrong type", in: `{"tokens":{"refresh_token":42}}`,
			wantErr: "wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnmarshalAuthJSON([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "rt_leak") {
					t.Errorf("error echoes file content: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("tokens (-want +got):\n%s", d)
			}
		})
	}
}

func TestTokensNeverPrintSecrets(t *testing.T) {
	tok := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	secrets := []string{tok.IDToken, tok.AccessToken, tok.RefreshToken}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Debug("tokens", "tokens", tok, "ptr", &tok)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("tokens", "tokens", tok)
	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", tok),
		"%+v": fmt.Sprintf("%+v", tok),
		"%#v": fmt.Sprintf("%#v", tok),
		//lint:ignore S1025 the %s verb itself is under test
		"%s":      fmt.Sprintf("%s", tok),
		"%q":      fmt.Sprintf("%q", tok),
		"%x":      fmt.Sprintf("%x", tok),
		"pointer": fmt.Sprintf("%+v", &tok),
		"nested":  fmt.Sprintf("%+v", struct{ T Tokens }{tok}),
		"slice":   fmt.Sprintf("%v", []Tokens{tok}),
		"slog":    logs.String(),
	}
	for name, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) || strings.Contains(out, s[:12]) {
				t.Errorf("%s prints a secret: %s", name, out)
			}
		}
	}
	if !strings.Contains(outputs["%v"], "refresh_token:<23 bytes>") {
		t.Errorf("%%v does not say the refresh token is set: %s", outputs["%v"])
	}
	if !strings.Contains(outputs["slog"], `"refresh_token":"<23 bytes>"`) {
		t.Errorf("slog does not show the masked group: %s", outputs["slog"])
	}
}
