package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// coreJWT builds an unsigned-looking JWT with claims (signature part is a dummy).
func coreJWT(t testing.TB, claims map[string]any) string {
	t.Helper()
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(body) + ".sig"
}

// coreAuthClaims is the https://api.openai.com/auth claim object.
func coreAuthClaims(account, plan, user string) map[string]any {
	return map[string]any{"chatgpt_account_id": account, "chatgpt_plan_type": plan,
		"chatgpt_user_id": user}
}

var coreT0 = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

// coreTokens returns a readable sign-in whose access token was issued at iat and expires at
// exp.
func coreTokens(t testing.TB, iat, exp time.Time) Tokens {
	t.Helper()
	auth := coreAuthClaims("acct-1111-2222", "plus", "user-1")
	return Tokens{
		IDToken: coreJWT(t, map[string]any{"email": "ann@example.com", "exp": exp.Unix(),
			"https://api.openai.com/auth": auth}),
		AccessToken: coreJWT(t, map[string]any{"iat": iat.Unix(), "exp": exp.Unix(),
			"https://api.openai.com/auth": auth}),
		RefreshToken: "rt_secret_refresh_value",
		AccountID:    "acct-1111-2222",
		LastRefresh:  iat,
	}
}

func TestParseAccount(t *testing.T) {
	exp := coreT0.Add(time.Hour)
	tests := []struct {
		name    string
		id      string
		access  string
		want    Account
		wantErr string
	}{
		{
			name: "id token claims win for account, access token for plan",
			id: coreJWT(t, map[string]any{"email": "a@x.io",
				"https://api.openai.com/auth": coreAuthClaims("acct-id", "free", "u-id")}),
			access: coreJWT(t, map[string]any{"exp": exp.Unix(),
				"https://api.openai.com/auth": coreAuthClaims("acct-access", "pro", "u-ac")}),
			want: Account{Email: "a@x.io", Plan: "pro", UserID: "u-id", AccountID: "acct-id",
				Expires: exp},
		},
		{
			name: "fallbacks: profile email, access account id, legacy user id, id plan",
			id: coreJWT(t, map[string]any{
				"https://api.openai.com/profile": map[string]any{"email": "p@x.io"},
				"https://api.openai.com/auth": map[string]any{"user_id": "legacy",
					"chatgpt_plan_type": "team"}}),
			access: coreJWT(t, map[string]any{"exp": float64(exp.Unix()) + 0.5,
				"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-a"}}),
			want: Account{Email: "p@x.io", Plan: "team", UserID: "legacy", AccountID: "acct-a",
				Expires: exp.Add(500 * time.Millisecond)},
		},
		{
			name: "opaque access token leaves Expires zero",
			id: coreJWT(t, map[string]any{"email": "a@x.io",
				"https://api.openai.com/auth": coreAuthClaims("acct", "plus", "u")}),
			access: "opaque-access-token",
			want:   Account{Email: "a@x.io", Plan: "plus", UserID: "u", AccountID: "acct"},
		},
		{
			name: "exp as string and garbage iat are tolerated",
			id: coreJWT(t, map[string]any{"email": "a@x.io",
				"https://api.openai.com/auth": coreAuthClaims("acct", "plus", "u")}),
			access: coreJWT(t, map[string]any{"exp": "1785585600", "iat": "soon"}),
			want: Account{Email: "a@x.io", Plan: "plus", UserID: "u", AccountID: "acct",
				Expires: time.Unix(1785585600, 0).UTC()},
		},
		{
			name:    "no account id anywhere",
			id:      coreJWT(t, map[string]any{"email": "a@x.io"}),
			access:  coreJWT(t, map[string]any{"exp": exp.Unix()}),
			wantErr: "no chatgpt_account_id",
		},
		{name: "id token not a JWT", id: "abc.def", access: "x", wantErr: "not a readable JWT"},
		{name: "id token payload not JSON", id: "a.bm90IGpzb24.c", access: "x",
			wantErr: "not a readable JWT"},
		{name: "id token missing", access: "x", wantErr: "not a readable JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAccount(Tokens{IDToken: tt.id, AccessToken: tt.access})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), tt.id) && tt.id != "" {
					t.Errorf("error quotes the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("account (-want +got):\n%s", d)
			}
		})
	}
}

func TestValidateTokens(t *testing.T) {
	good := coreTokens(t, coreT0, coreT0.Add(time.Hour))
	tests := []struct {
		name    string
		mutate  func(*Tokens)
		now     time.Time
		wantErr string
	}{
		{name: "valid", now: coreT0},
		{name: "valid without account id", mutate: func(t *Tokens) { t.AccountID = "" },
			now: coreT0},
		{name: "expired", now: coreT0.Add(2 * time.Hour), wantErr: "expired"},
		{name: "account id mismatch", mutate: func(t *Tokens) { t.AccountID = "other" },
			now: coreT0, wantErr: "does not match"},
		{name: "no refresh token", mutate: func(t *Tokens) { t.RefreshToken = "" },
			now: coreT0, wantErr: "missing"},
		{name: "unreadable id token", mutate: func(t *Tokens) { t.IDToken = "x" },
			now: coreT0, wantErr: "not a readable JWT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := good
			if tt.mutate != nil {
				tt.mutate(&tok)
			}
			acct, err := ValidateTokens(tok, tt.now)
			if tt.wantErr == "" {
				if err != nil || acct.AccountID != "acct-1111-2222" {
					t.Fatalf("ValidateTokens = %+v, %v", acct, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRefreshMargin(t *testing.T) {
	exp := coreT0.Add(10 * 24 * time.Hour)
	tests := []struct {
		name     string
		exp, iat time.Time
		last     time.Time
		want     time.Duration
	}{
		{name: "long-lived token: 5 minutes", exp: exp, iat: coreT0, want: 5 * time.Minute},
		{name: "6-minute token: half its life", exp: coreT0.Add(6 * time.Minute), iat: coreT0,
			want: 3 * time.Minute},
		{name: "10-second token: 5 seconds", exp: coreT0.Add(10 * time.Second), iat: coreT0,
			want: 5 * time.Second},
		{name: "no iat: lifetime from last_refresh", exp: coreT0.Add(2 * time.Minute),
			last: coreT0, want: time.Minute},
		{name: "iat preferred over last_refresh", exp: coreT0.Add(4 * time.Minute),
			iat: coreT0, last: coreT0.Add(3 * time.Minute), want: 2 * time.Minute},
		{name: "no start known: 5 minutes", exp: coreT0.Add(time.Minute),
			want: 5 * time.Minute},
		{name: "exp before iat: no margin", exp: coreT0, iat: coreT0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refreshMargin(tt.exp, tt.iat, tt.last); got != tt.want {
				t.Errorf("refreshMargin = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRefreshDueAt(t *testing.T) {
	tests := []struct {
		name string
		tok  Tokens
		want time.Time
	}{
		{name: "exp minus margin", tok: coreTokens(t, coreT0, coreT0.Add(time.Hour)),
			want: coreT0.Add(55 * time.Minute)},
		{name: "unreadable exp: 8 days after last refresh",
			tok:  Tokens{AccessToken: "opaque", LastRefresh: coreT0},
			want: coreT0.Add(8 * 24 * time.Hour)},
		{name: "unreadable exp, unknown last refresh: due now",
			tok: Tokens{AccessToken: "opaque"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refreshDueAt(tt.tok); !got.Equal(tt.want) {
				t.Errorf("refreshDueAt = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
		4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := backoff(1000); got != 10*time.Minute {
		t.Errorf("backoff(1000) = %v", got)
	}
}

func BenchmarkParseAccount(b *testing.B) {
	tok := coreTokens(b, coreT0, coreT0.Add(time.Hour))
	for b.Loop() {
		if _, err := ParseAccount(tok); err != nil {
			b.Fatal(err)
		}
	}
}
