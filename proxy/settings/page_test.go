package settings

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testHost = "127.0.0.1:11434"

// browser drives the page handler like a same-origin browser tab: it keeps cookies and sends
// the headers a browser sends with a form POST.
type browser struct {
	t       *testing.T
	store   *Store
	h       http.Handler
	now     time.Time
	cookies map[string]string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	b := &browser{t: t, now: testTime, cookies: map[string]string{}}
	store, err := Open(filepath.Join(t.TempDir(), "home"), WithRand(&countingReader{}),
		WithClock(func() time.Time { return testTime }))
	if err != nil {
		t.Fatal(err)
	}
	b.store = store
	b.h = Handler(store, PageOptions{
		Version:   "1.2.3",
		ListenURL: func() string { return "http://" + testHost },
		Now:       func() time.Time { return b.now },
	})
	return b
}

// do sends req with the browser's cookies.
func (b *browser) do(req *http.Request) *httptest.ResponseRecorder {
	b.t.Helper()
	b.addCookies(req)
	return b.serve(req)
}

func (b *browser) addCookies(req *http.Request) {
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
}

// serve sends req as it is, from a loopback address, and keeps the cookies it sets.
func (b *browser) serve(req *http.Request) *httptest.ResponseRecorder {
	b.t.Helper()
	if req.RemoteAddr == "192.0.2.1:1234" { // httptest's default: make it local
		req.RemoteAddr = "127.0.0.1:50000"
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return rec
}

func (b *browser) get() *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://"+testHost+PagePath, nil)
	rec := b.do(req)
	if rec.Code != http.StatusOK {
		b.t.Fatalf("GET %s = %d: %s", PagePath, rec.Code, rec.Body)
	}
	return rec
}

// post submits form to an action the way the page's own form would, after edit has had a
// chance to tamper with the request.
func (b *browser) post(action string, form url.Values,
	edit ...func(*http.Request)) *httptest.ResponseRecorder {
	b.t.Helper()
	if _, ok := b.cookies[csrfCookieName]; !ok {
		b.get()
	}
	if !form.Has(csrfFormField) {
		form.Set(csrfFormField, b.cookies[csrfCookieName])
	}
	req := httptest.NewRequest(http.MethodPost, "http://"+testHost+PagePath+"/"+action,
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+testHost)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	b.addCookies(req)
	for _, e := range edit {
		e(req)
	}
	return b.serve(req)
}

// submit posts and then loads the page the answer leads to, returning its body.
func (b *browser) submit(action string, form url.Values) string {
	b.t.Helper()
	rec := b.post(action, form)
	switch rec.Code {
	case http.StatusSeeOther:
		if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, PagePath+"#") {
			b.t.Fatalf("redirected to %q", loc)
		}
	case http.StatusOK: // the "moved" page
		if !strings.Contains(rec.Body.String(), `http-equiv="refresh"`) {
			b.t.Fatalf("200 answer is not the moved page: %s", rec.Body)
		}
	default:
		b.t.Fatalf("POST %s = %d: %s", action, rec.Code, rec.Body)
	}
	return b.get().Body.String()
}

func flashText(t *testing.T, body string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<div class="flash[^"]*"[^>]*>\s*<div>(.*?)</div>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestPage_GetRendersWithSecurityHeaders(t *testing.T) {
	b := newBrowser(t)
	rec := b.get()
	h := rec.Header()
	wantHeaders := map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Content-Type":           "text/html; charset=utf-8",
	}
	for k, v := range wantHeaders {
		if h.Get(k) != v {
			t.Errorf("header %s = %q; want %q", k, h.Get(k), v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'none'", "style-src 'unsafe-inline'",
		"form-action 'self'", "script-src 'sha256-"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	var csrf *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == csrfCookieName {
			csrf = c
		}
	}
	if csrf == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode ||
		csrf.Path != PagePath || len(csrf.Value) < 40 {
		t.Fatalf("CSRF cookie = %+v; want HttpOnly, SameSite=Strict, Path %s, 256-bit value",
			csrf, PagePath)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"lagp 1.2.3", "http://127.0.0.1:11434/v1", `value="11434"`, `id="lan-state">off`,
		`name="csrf" value="` + csrf.Value + `"`, "No API keys yet.", "No remotes yet.",
		`<option selected>INFO</option>`, b.store.Path(),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestPage_Actions(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*testing.T, *browser)
		action    string
		form      url.Values
		wantFlash string
		wantError bool
		check     func(*testing.T, Settings, string)
	}{
		{
			name: "port", action: "port", form: url.Values{"port": {"8080"}},
			wantFlash: "listens on port 8080",
			check: func(t *testing.T, s Settings, body string) {
				if s.Port != 8080 || !strings.Contains(body, `value="8080"`) {
					t.Errorf("port %d; page shows it: %v", s.Port, strings.Contains(body, "8080"))
				}
			},
		},
		{
			name: "port out of range", action: "port", form: url.Values{"port": {"70000"}},
			wantFlash: "Port 70000 is outside 1–65535.", wantError: true,
			check: func(t *testing.T, s Settings, _ string) {
				if s.Port != DefaultPort {
					t.Errorf("port changed to %d", s.Port)
				}
			},
		},
		{
			name: "port not a number", action: "port", form: url.Values{"port": {"http"}},
			wantFlash: "must be a number", wantError: true,
		},
		{
			name: "lan on creates a key", action: "lan", form: url.Values{"expose": {"on"}},
			wantFlash: `A key named &#34;lan&#34; was created`,
			check: func(t *testing.T, s Settings, body string) {
				if !s.ExposeLAN || len(s.APIKeys) != 1 || s.APIKeys[0].Name != "lan" {
					t.Fatalf("settings after LAN on: %v", s)
				}
				if !strings.Contains(body, `value="`+s.APIKeys[0].Key+`"`) {
					t.Error("the new key is not shown once")
				}
				if !strings.Contains(body, `id="lan-state">on`) {
					t.Error("page does not show exposure on")
				}
			},
		},
		{
			name: "lan on keeps existing keys", setup: addKey("laptop"), action: "lan",
			form: url.Values{"expose": {"on"}}, wantFlash: "exposed on the local network",
			check: func(t *testing.T, s Settings, body string) {
				if !s.ExposeLAN || len(s.APIKeys) != 1 || strings.Contains(body, `id="new-key"`) {
					t.Errorf("settings after LAN on: %v", s)
				}
			},
		},
		{
			name: "lan off", setup: exposed, action: "lan", form: url.Values{"expose": {"off"}},
			wantFlash: "this computer only",
			check: func(t *testing.T, s Settings, _ string) {
				if s.ExposeLAN {
					t.Error("still exposed")
				}
			},
		},
		{
			name: "lan bad value", action: "lan", form: url.Values{"expose": {"maybe"}},
			wantFlash: "Unknown exposure choice.", wantError: true,
		},
		{
			name: "add key", action: "keys/add", form: url.Values{"name": {" laptop "}},
			wantFlash: "API key &#34;laptop&#34; created.",
			check: func(t *testing.T, s Settings, body string) {
				if len(s.APIKeys) != 1 || s.APIKeys[0].Name != "laptop" ||
					!s.APIKeys[0].Created.Equal(testTime) {
					t.Fatalf("keys: %v", s.APIKeys)
				}
				if !strings.Contains(body, `value="`+s.APIKeys[0].Key+`"`) {
					t.Error("the new key is not shown once")
				}
				if !strings.Contains(body, MaskKey(s.APIKeys[0].Key)) {
					t.Error("the key list lacks the masked key")
				}
			},
		},
		{
			name: "add key duplicate", setup: addKey("laptop"), action: "keys/add",
			form: url.Values{"name": {"laptop"}}, wantFlash: "already exists", wantError: true,
		},
		{
			name: "add key empty name", action: "keys/add", form: url.Values{"name": {""}},
			wantFlash: "name is empty", wantError: true,
		},
		{
			name: "revoke key", setup: addKey("laptop"), action: "keys/revoke",
			form: url.Values{"name": {"laptop"}}, wantFlash: "revoked",
			check: func(t *testing.T, s Settings, body string) {
				if len(s.APIKeys) != 0 || !strings.Contains(body, "No API keys yet.") {
					t.Errorf("keys after revoke: %v", s.APIKeys)
				}
			},
		},
		{
			name: "revoke last key while exposed", setup: exposed, action: "keys/revoke",
			form: url.Values{"name": {"lan"}}, wantFlash: "needs at least one API key", wantError: true,
			check: func(t *testing.T, s Settings, _ string) {
				if len(s.APIKeys) != 1 {
					t.Errorf("key revoked although lagp is exposed")
				}
			},
		},
		{
			name: "revoke unknown", action: "keys/revoke", form: url.Values{"name": {"nope"}},
			wantFlash: "no API key named", wantError: true,
		},
		{
			name: "add remote", action: "remotes/add",
			form: url.Values{"name": {"vps"}, "url": {"https://vps.example:11434"},
				"secret": {"s3cret-value"}},
			wantFlash: "Remote &#34;vps&#34; added.",
			check: func(t *testing.T, s Settings, body string) {
				want := Remote{Name: "vps", URL: "https://vps.example:11434", SyncSecret: "s3cret-value"}
				if len(s.Remotes) != 1 || s.Remotes[0] != want {
					t.Fatalf("remotes: %#v", s.Remotes)
				}
				if !strings.Contains(body, "secret set, type to replace") {
					t.Error("page does not say a secret is set")
				}
			},
		},
		{
			name: "add remote over plain http warns", action: "remotes/add",
			form:      url.Values{"name": {"box"}, "url": {"http://192.168.1.9:11434"}},
			wantFlash: "plain http",
		},
		{
			name: "add remote bad url", action: "remotes/add",
			form:      url.Values{"name": {"vps"}, "url": {"https://user:pw@vps.example"}},
			wantFlash: "must not contain a user name", wantError: true,
			check: func(t *testing.T, s Settings, body string) {
				if len(s.Remotes) != 0 || strings.Contains(body, "user:pw") {
					t.Errorf("bad remote saved or echoed: %v", s.Remotes)
				}
			},
		},
		{
			name: "add remote duplicate", setup: addRemote, action: "remotes/add",
			form:      url.Values{"name": {"vps"}, "url": {"https://other.example"}},
			wantFlash: "already exists", wantError: true,
		},
		{
			name: "update remote keeps secret when blank", setup: addRemote,
			action: "remotes/update",
			form:   url.Values{"name": {"vps"}, "url": {"https://new.example"}, "secret": {""}},
			check: func(t *testing.T, s Settings, _ string) {
				want := Remote{Name: "vps", URL: "https://new.example", SyncSecret: "old-secret"}
				if s.Remotes[0] != want {
					t.Errorf("remote = %#v", s.Remotes[0])
				}
			},
			wantFlash: "saved",
		},
		{
			name: "update remote replaces secret", setup: addRemote, action: "remotes/update",
			form: url.Values{"name": {"vps"}, "url": {"https://vps.example"}, "secret": {"new-secret"}},
			check: func(t *testing.T, s Settings, _ string) {
				if s.Remotes[0].SyncSecret != "new-secret" {
					t.Error("secret not replaced")
				}
			},
			wantFlash: "saved",
		},
		{
			name: "remove remote", setup: addRemote, action: "remotes/remove",
			form: url.Values{"name": {"vps"}}, wantFlash: "removed",
			check: func(t *testing.T, s Settings, body string) {
				if len(s.Remotes) != 0 || !strings.Contains(body, "No remotes yet.") {
					t.Errorf("remotes: %v", s.Remotes)
				}
			},
		},
		{
			name: "options", action: "options",
			form: url.Values{"reasoning_field": {"both"}, "log_level": {"DEBUG"},
				"start_at_login": {"on"}},
			wantFlash: "Options saved.",
			check: func(t *testing.T, s Settings, body string) {
				if s.ReasoningField != ReasoningBoth || s.LogLevel != "DEBUG" || !s.StartAtLogin ||
					s.OllamaToolCallIDs {
					t.Errorf("options: %v", s)
				}
				if !strings.Contains(body, "<option selected>DEBUG</option>") {
					t.Error("page does not show the new log level")
				}
			},
		},
		{
			name: "options bad level", action: "options",
			form:      url.Values{"reasoning_field": {"both"}, "log_level": {"LOUD"}},
			wantFlash: "Log level", wantError: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			if tt.setup != nil {
				tt.setup(t, b)
			}
			body := b.submit(tt.action, tt.form)
			got := flashText(t, body)
			if !strings.Contains(got, tt.wantFlash) {
				t.Errorf("flash %q; want it to contain %q", got, tt.wantFlash)
			}
			if isErr := strings.Contains(body, `class="flash error"`); isErr != tt.wantError {
				t.Errorf("flash shown as error = %v; want %v", isErr, tt.wantError)
			}
			if tt.check != nil {
				tt.check(t, b.store.Get(), body)
			}
			if again := flashText(t, b.get().Body.String()); again != "" {
				t.Errorf("flash shown twice: %q", again)
			}
		})
	}
}

func addKey(name string) func(*testing.T, *browser) {
	return func(t *testing.T, b *browser) {
		if _, err := b.store.AddAPIKey(name); err != nil {
			t.Fatal(err)
		}
	}
}

func exposed(t *testing.T, b *browser) {
	addKey("lan")(t, b)
	if err := b.store.Update(func(s *Settings) error { s.ExposeLAN = true; return nil }); err != nil {
		t.Fatal(err)
	}
}

func addRemote(t *testing.T, b *browser) {
	err := b.store.Update(func(s *Settings) error {
		s.Remotes = append(s.Remotes, Remote{Name: "vps", URL: "https://vps.example",
			SyncSecret: "old-secret"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPage_MovedPageLeadsToNewAddress(t *testing.T) {
	tests := []struct {
		name, host, action string
		form               url.Values
		want               string
	}{
		{"port", testHost, "port", url.Values{"port": {"8080"}},
			"http://127.0.0.1:8080/lagp/settings"},
		{"port over IPv6", "[::1]:11434", "port", url.Values{"port": {"8080"}},
			"http://[::1]:8080/lagp/settings"},
		{"LAN keeps the address", "localhost:4000", "lan", url.Values{"expose": {"on"}},
			"http://localhost:4000/lagp/settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			rec := b.post(tt.action, tt.form, func(r *http.Request) {
				r.Host = tt.host
				r.Header.Set("Origin", "http://"+tt.host)
			})
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			want := `content="1;url=` + tt.want + `"`
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("moved page lacks %s:\n%s", want, rec.Body)
			}
			if h := rec.Header().Get("Content-Security-Policy"); h == "" {
				t.Error("moved page without CSP")
			}
		})
	}
}

func TestPage_CrossSiteRequestsRefused(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		edit func(*http.Request)
	}{
		{"missing token", url.Values{"csrf": {""}}, nil},
		{"wrong token", url.Values{"csrf": {"forged-token-forged-token-forged-token-xx"}}, nil},
		{"missing cookie", nil, func(r *http.Request) { dropCookie(r, csrfCookieName) }},
		{"wrong cookie", nil, func(r *http.Request) {
			dropCookie(r, csrfCookieName)
			r.AddCookie(&http.Cookie{Name: csrfCookieName, Value: "forged"})
		}},
		{"foreign origin", nil, func(r *http.Request) {
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Del("Sec-Fetch-Site")
		}},
		{"null origin", nil, func(r *http.Request) {
			r.Header.Set("Origin", "null")
			r.Header.Del("Sec-Fetch-Site")
		}},
		{"other port on localhost", nil, func(r *http.Request) {
			r.Header.Set("Origin", "http://127.0.0.1:8000")
			r.Header.Del("Sec-Fetch-Site")
		}},
		{"foreign referer", nil, func(r *http.Request) {
			r.Header.Del("Origin")
			r.Header.Del("Sec-Fetch-Site")
			r.Header.Set("Referer", "https://evil.example/page")
		}},
		{"cross-site fetch metadata", nil, func(r *http.Request) {
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			form := url.Values{"name": {"evil"}}
			for k, v := range tt.form {
				form[k] = v
			}
			var edits []func(*http.Request)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			rec := b.post("keys/add", form, edits...)
			if rec.Code != http.StatusForbidden {
				t.Errorf("status %d; want 403", rec.Code)
			}
			if n := len(b.store.Get().APIKeys); n != 0 {
				t.Errorf("forged request added %d key(s)", n)
			}
			if rec.Header().Get("X-Frame-Options") != "DENY" {
				t.Error("refusal lacks the hardening headers")
			}
		})
	}
}

func TestPage_SameOriginWithoutOriginHeaderAccepted(t *testing.T) {
	// Older browsers may send only a Referer; a matching one is fine.
	b := newBrowser(t)
	rec := b.post("keys/add", url.Values{"name": {"ok"}}, func(r *http.Request) {
		r.Header.Del("Origin")
		r.Header.Del("Sec-Fetch-Site")
		r.Header.Set("Referer", "http://"+testHost+PagePath)
	})
	if rec.Code != http.StatusSeeOther || len(b.store.Get().APIKeys) != 1 {
		t.Errorf("status %d, keys %d; want 303 and one key", rec.Code, len(b.store.Get().APIKeys))
	}
}

func dropCookie(r *http.Request, name string) {
	var kept []string
	for _, c := range r.Cookies() {
		if c.Name != name {
			kept = append(kept, c.String())
		}
	}
	r.Header.Set("Cookie", strings.Join(kept, "; "))
}

func TestPage_NonLocalRefused(t *testing.T) {
	tests := []struct {
		name, remote, host string
		header             [2]string
		want               int
	}{
		{"loopback v4", "127.0.0.1:5000", "127.0.0.1:11434", [2]string{}, 200},
		{"loopback v6", "[::1]:5000", "[::1]:11434", [2]string{}, 200},
		{"localhost name", "127.0.0.1:5000", "localhost:11434", [2]string{}, 200},
		{"LAN client", "192.168.1.20:5000", "192.168.1.10:11434", [2]string{}, 403},
		{"LAN client with loopback host", "192.168.1.20:5000", "127.0.0.1:11434", [2]string{}, 403},
		{"DNS rebinding", "127.0.0.1:5000", "evil.example:11434", [2]string{}, 403},
		{"LAN host header", "127.0.0.1:5000", "192.168.1.10:11434", [2]string{}, 403},
		{"localhost subdomain", "127.0.0.1:5000", "evil.localhost.example", [2]string{}, 403},
		{"tunnel", "127.0.0.1:5000", "127.0.0.1:11434",
			[2]string{"Cf-Connecting-Ip", "203.0.113.9"}, 403},
		{"forwarded", "127.0.0.1:5000", "127.0.0.1:11434",
			[2]string{"X-Forwarded-For", "203.0.113.9"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				target := PagePath
				if method == http.MethodPost {
					target += "/keys/add"
				}
				req := httptest.NewRequest(method, target, strings.NewReader("name=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.RemoteAddr, req.Host = tt.remote, tt.host
				if tt.header[0] != "" {
					req.Header.Set(tt.header[0], tt.header[1])
				}
				rec := httptest.NewRecorder()
				b.h.ServeHTTP(rec, req)
				want := tt.want
				if method == http.MethodPost && want == 200 {
					want = http.StatusForbidden // allowed origin, but no CSRF token
				}
				if rec.Code != want {
					t.Errorf("%s: status %d; want %d", method, rec.Code, want)
				}
				if tt.want == 403 && strings.Contains(rec.Body.String(), "csrf") {
					t.Errorf("%s: refusal leaks the page: %s", method, rec.Body)
				}
			}
			if n := len(b.store.Get().APIKeys); n != 0 {
				t.Errorf("refused request added %d key(s)", n)
			}
		})
	}
}

func TestPage_SecretsNeverRendered(t *testing.T) {
	b := newBrowser(t)
	key, err := b.store.AddAPIKey("laptop")
	if err != nil {
		t.Fatal(err)
	}
	addRemote(t, b)
	b.store.Override(func(s *Settings) { s.LogLevel = "DEBUG" })
	pages := []string{b.get().Body.String()}
	// Every answer an action can give, success or failure, and the pages after them.
	for _, action := range []struct {
		name string
		form url.Values
	}{
		{"remotes/update", url.Values{"name": {"vps"}, "url": {"https://vps.example"}}},
		{"remotes/update", url.Values{"name": {"vps"}, "url": {"ftp://bad"}, "secret": {"x"}}},
		{"keys/add", url.Values{"name": {"laptop"}}},
		{"options", url.Values{"log_level": {"INFO"}, "reasoning_field": {"both"}}},
	} {
		rec := b.post(action.name, action.form)
		pages = append(pages, rec.Body.String(), b.get().Body.String())
	}
	for i, body := range pages {
		if strings.Contains(body, key.Key) {
			t.Errorf("page %d renders the stored API key", i)
		}
		if strings.Contains(body, "old-secret") {
			t.Errorf("page %d renders the sync secret", i)
		}
	}
	if !strings.Contains(pages[0], MaskKey(key.Key)) {
		t.Error("the masked key is missing")
	}
}

func TestPage_NewKeyShownOnce(t *testing.T) {
	b := newBrowser(t)
	first := b.submit("keys/add", url.Values{"name": {"laptop"}})
	key := b.store.Get().APIKeys[0].Key
	if !strings.Contains(first, key) {
		t.Fatal("the new key is not on the page after creation")
	}
	if strings.Contains(b.get().Body.String(), key) {
		t.Error("the key is still shown on the next load")
	}
}

func TestPage_CopyScriptAllowedByCSP(t *testing.T) {
	b := newBrowser(t)
	rec := b.post("keys/add", url.Values{"name": {"laptop"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d", rec.Code)
	}
	page := b.get()
	m := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatal("no copy script next to the new key")
	}
	sum := sha256.Sum256([]byte(m[1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, hash) {
		t.Errorf("CSP %q does not allow the rendered script (%s)", csp, hash)
	}
}

func TestPage_FlashExpires(t *testing.T) {
	b := newBrowser(t)
	b.post("keys/add", url.Values{"name": {"laptop"}})
	b.now = b.now.Add(flashTTL + time.Second)
	if f := flashText(t, b.get().Body.String()); f != "" {
		t.Errorf("expired flash shown: %q", f)
	}
}

func TestPage_Routing(t *testing.T) {
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodHead, PagePath, 200},
		{http.MethodGet, PagePath + "/", 200},
		{http.MethodPut, PagePath, 405},
		{http.MethodGet, PagePath + "/keys/add", 405},
		{http.MethodPost, PagePath + "/nope", 404},
		{http.MethodGet, "/lagp/other", 404},
	}
	for _, tt := range tests {
		b := newBrowser(t)
		req := httptest.NewRequest(tt.method, "http://"+testHost+tt.path, nil)
		if rec := b.do(req); rec.Code != tt.want {
			t.Errorf("%s %s = %d; want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}

func TestPage_OversizedFormRefused(t *testing.T) {
	b := newBrowser(t)
	rec := b.post("keys/add", url.Values{"name": {strings.Repeat("x", maxFormBytes)}})
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d; want 400", rec.Code)
	}
}

func TestPage_NoRandomnessRefusesEverything(t *testing.T) {
	store, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(store, PageOptions{Rand: strings.NewReader("")})
	req := httptest.NewRequest(http.MethodGet, "http://"+testHost+PagePath, nil)
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d; want 500 without a CSRF token", rec.Code)
	}
}

func BenchmarkPage_Get(b *testing.B) {
	store, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []string{"laptop", "phone", "ci"} {
		if _, err := store.AddAPIKey(n); err != nil {
			b.Fatal(err)
		}
	}
	h := Handler(store, PageOptions{Version: "bench"})
	req := httptest.NewRequest(http.MethodGet, "http://"+testHost+PagePath, nil)
	req.RemoteAddr = "127.0.0.1:1"
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func TestPage_CrossOriginReadsRefused(t *testing.T) {
	tests := []struct {
		origin string
		want   int
	}{
		{"", http.StatusOK},
		{"http://" + testHost, http.StatusOK},
		{"https://evil.example", http.StatusForbidden},
		{"http://127.0.0.1:8000", http.StatusForbidden},
	}
	for _, tt := range tests {
		b := newBrowser(t)
		req := httptest.NewRequest(http.MethodGet, "http://"+testHost+PagePath, nil)
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		rec := b.do(req)
		if rec.Code != tt.want {
			t.Errorf("GET with Origin %q = %d; want %d", tt.origin, rec.Code, tt.want)
		}
		token := b.h.(*page).csrf
		if tt.want == http.StatusForbidden && strings.Contains(rec.Body.String(), token) {
			t.Errorf("refused read still carries the CSRF token")
		}
	}
}

func TestPage_DropsCORSGrantOfWrappingServer(t *testing.T) {
	b := newBrowser(t)
	inner := b.h
	// The proxy's guard grants CORS to API callers before handing over to the page.
	b.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "http://"+testHost)
		w.Header().Set("Access-Control-Allow-Headers", "Authorization")
		inner.ServeHTTP(w, r)
	})
	rec := b.get()
	for name := range rec.Header() {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("page answer keeps %s", name)
		}
	}
}
