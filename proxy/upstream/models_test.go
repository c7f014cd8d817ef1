package upstream

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

func modelCalls(srv *fakebackend.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/models" {
			n++
		}
	}
	return n
}

func TestCatalogList(t *testing.T) {
	e := newEnv(t)
	list, err := NewCatalog(e.client, CodexVersion).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	want := []string{"gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Fatalf("models by priority (-want +got):\n%s", diff)
	}
	codex, _ := list.Lookup("gpt-5.3-codex")
	wantCodex := canon.Model{ID: "gpt-5.3-codex", DisplayName: "GPT-5.3-codex",
		Description: "Fake model gpt-5.3-codex for tests.", ContextWindow: 272000,
		DefaultEffort: "medium", Efforts: []string{"low", "medium", "high", "xhigh"},
		ReasoningSummaries: true, ParallelToolCalls: true, Verbosity: true, Vision: true,
		Priority: 30}
	if diff := cmp.Diff(wantCodex, codex); diff != "" {
		t.Errorf("gpt-5.3-codex (-want +got):\n%s", diff)
	}
	mini, _ := list.Lookup("gpt-5.4-mini")
	if mini.Vision || mini.ReasoningSummaries || mini.Efforts[0] != "none" {
		t.Errorf("gpt-5.4-mini: %+v", mini)
	}
	rec, _ := e.srv.LastRequest()
	if rec.Query.Get("client_version") != CodexVersion || rec.Method != http.MethodGet {
		t.Errorf("request %s ?%v", rec.Method, rec.Query)
	}
	if rec.Header.Get("originator") != Originator || rec.Header.Get("Accept") != "application/json" {
		t.Errorf("headers %v", rec.Header)
	}
}

func TestCatalogCachesPerHour(t *testing.T) {
	e := newEnv(t)
	cat := NewCatalog(e.client, CodexVersion)
	for range 3 {
		if _, err := cat.List(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := modelCalls(e.srv); n != 1 {
		t.Fatalf("%d fetches for three lists within the hour", n)
	}
	e.clock.Add(59 * time.Minute)
	_, _ = cat.List(context.Background())
	if n := modelCalls(e.srv); n != 1 {
		t.Fatalf("%d fetches before the hour passed", n)
	}
	e.clock.Add(2 * time.Minute)
	_, _ = cat.List(context.Background())
	if n := modelCalls(e.srv); n != 2 {
		t.Fatalf("%d fetches after the hour", n)
	}
	if err := cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := modelCalls(e.srv); n != 3 {
		t.Fatalf("Refresh did not fetch: %d", n)
	}
}

func TestCatalogKeepsLastGood(t *testing.T) {
	e := newEnv(t)
	cat := NewCatalog(e.client, CodexVersion)
	first, err := cat.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetModelsStatus(http.StatusInternalServerError)
	e.clock.Add(2 * time.Hour)
	got, err := cat.List(context.Background())
	if err != nil {
		t.Fatalf("error with a last good list: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("last good list differs:\n%s", diff)
	}
	if !strings.Contains(e.log.String(), "level=WARN") {
		t.Errorf("no warning logged:\n%s", e.log.String())
	}
	calls := modelCalls(e.srv)
	if calls != 1+1+maxRetries {
		t.Errorf("%d fetches, want the first and one retried failure", calls)
	}
	_, _ = cat.List(context.Background())
	if n := modelCalls(e.srv); n != calls {
		t.Errorf("asked again within a minute of the failure")
	}
	e.srv.SetModelsStatus(0)
	e.clock.Add(61 * time.Second)
	if _, err := cat.List(context.Background()); err != nil || modelCalls(e.srv) != calls+1 {
		t.Errorf("no new fetch a minute after the failure: %v", err)
	}
	if err := cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogFallback(t *testing.T) {
	e := newEnv(t)
	e.srv.SetModelsStatus(http.StatusBadGateway)
	list, err := NewCatalog(e.client, CodexVersion).List(context.Background())
	if err == nil {
		t.Fatal("no error with the fallback list")
	}
	if diff := cmp.Diff(FallbackModels(), list); diff != "" {
		t.Errorf("not the fallback list:\n%s", diff)
	}
	for _, id := range []string{"gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex"} {
		m, ok := list.Lookup(id)
		if !ok || len(m.Efforts) == 0 || m.ContextWindow == 0 || m.DefaultEffort == "" {
			t.Errorf("fallback %s: %+v", id, m)
		}
	}
	if err := NewCatalog(e.client, CodexVersion).Refresh(context.Background()); err == nil {
		t.Error("Refresh hid the failure")
	}
}

func TestCatalogSignedOut(t *testing.T) {
	e := newEnv(t)
	e.tokens.err = signInError{}
	list, err := NewCatalog(e.client, CodexVersion).List(context.Background())
	if got := asError(t, err); got.Kind != canon.KindUnauthorized {
		t.Errorf("kind %v", got.Kind)
	}
	if len(list) != len(FallbackModels()) || modelCalls(e.srv) != 0 {
		t.Errorf("list %d, fetches %d", len(list), modelCalls(e.srv))
	}
}

func TestCatalogRenewsAfter401(t *testing.T) {
	e := newEnv(t)
	e.tokens.token = "stale-token"
	e.srv.RejectToken("stale-token")
	if _, err := NewCatalog(e.client, CodexVersion).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.tokens.renewals()); n != 1 {
		t.Errorf("%d renewals", n)
	}
}

// gateTransport holds every request until release is closed, counting them.
type gateTransport struct {
	mu      sync.Mutex
	n       int
	arrived chan struct{}
	release chan struct{}
	inner   http.RoundTripper
}

func (g *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.n++
	if g.n == 1 {
		close(g.arrived)
	}
	g.mu.Unlock()
	<-g.release
	return g.inner.RoundTrip(r)
}

func TestCatalogSharesOneFetch(t *testing.T) {
	gate := &gateTransport{arrived: make(chan struct{}), release: make(chan struct{}),
		inner: http.DefaultTransport}
	e := newEnv(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: gate} })
	cat := NewCatalog(e.client, CodexVersion)
	var wg sync.WaitGroup
	results := make([]canon.ModelList, 8)
	for i := range results {
		wg.Go(func() {
			list, err := cat.List(context.Background())
			if err != nil {
				t.Error(err)
			}
			results[i] = list
		})
	}
	<-gate.arrived
	time.Sleep(50 * time.Millisecond) // let the other callers join; the count holds regardless
	close(gate.release)
	wg.Wait()
	if gate.n != 1 {
		t.Errorf("%d fetches for concurrent callers, want 1", gate.n)
	}
	for i, l := range results {
		if len(l) != 4 {
			t.Errorf("caller %d got %d models", i, len(l))
		}
	}
	results[0][0].ID = "changed"
	if again, _ := cat.List(context.Background()); again[0].ID != "gpt-5.5" {
		t.Error("a caller's change reached the cache")
	}
}

func TestCatalogCallerCancel(t *testing.T) {
	gate := &gateTransport{arrived: make(chan struct{}), release: make(chan struct{}),
		inner: http.DefaultTransport}
	e := newEnv(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: gate} })
	cat := NewCatalog(e.client, CodexVersion)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := cat.List(ctx)
		done <- err
	}()
	<-gate.arrived
	cancel()
	if err := <-done; err == nil {
		t.Error("a cancelled caller got no error")
	}
	close(gate.release)
	// The shared fetch went on without the caller and filled the cache.
	deadline := time.Now().Add(10 * time.Second)
	for modelCalls(e.srv) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := cat.List(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestModelInfoDecoding(t *testing.T) {
	tests := []struct {
		name string
		json string
		want canon.Model
	}{
		{"array version, string levels, no modalities",
			`{"slug":"m1","visibility":"list","minimal_client_version":[0,99,0],` +
				`"supported_reasoning_levels":["high","minimal","none","ultra","max"]}`,
			canon.Model{ID: "m1", DisplayName: "m1", Vision: true,
				Efforts: []string{"none", "minimal", "high", "max", "ultra"}}},
		{"string version, text only, unknown effort last",
			`{"slug":"m2","display_name":"M2","visibility":"list","minimal_client_version":"0.98.0",` +
				`"input_modalities":["text"],"context_window":1000,"priority":3,` +
				`"supported_reasoning_levels":[{"effort":"turbo"},{"effort":"low"},{"effort":"low"}]}`,
			canon.Model{ID: "m2", DisplayName: "M2", ContextWindow: 1000, Priority: 3,
				Efforts: []string{"low", "turbo"}}},
		{"null version, empty modalities",
			`{"slug":"m3","visibility":"list","minimal_client_version":null,"input_modalities":[]}`,
			canon.Model{ID: "m3", DisplayName: "m3", Efforts: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info modelInfo
			if err := json.Unmarshal([]byte(tt.json), &info); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, info.model()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	var v clientVersion
	if err := json.Unmarshal([]byte(`[0,99,0]`), &v); err != nil || v != "0.99.0" {
		t.Errorf("array version %q, %v", v, err)
	}
	if err := json.Unmarshal([]byte(`{"x":1}`), &v); err == nil {
		t.Error("an object version decoded")
	}
}

func TestParseSkipsUnreadableModels(t *testing.T) {
	e := newEnv(t)
	cat := NewCatalog(e.client, CodexVersion)
	raw := []json.RawMessage{
		json.RawMessage(`{"slug":"good","visibility":"list","priority":2}`),
		json.RawMessage(`{"slug":"bad","visibility":"list","priority":"high"}`),
		json.RawMessage(`{"slug":"hidden","visibility":"hide"}`),
		json.RawMessage(`{"slug":"none","visibility":"none"}`),
		json.RawMessage(`{"slug":"first","visibility":"list","priority":1}`),
	}
	var ids []string
	for _, m := range cat.parse(raw) {
		ids = append(ids, m.ID)
	}
	if !slices.Equal(ids, []string{"first", "good"}) {
		t.Errorf("ids %v", ids)
	}
}

func TestSortEfforts(t *testing.T) {
	e := []string{"ultra", "x", "high", "none", "xhigh", "low", "minimal", "medium", "max"}
	SortEfforts(e)
	want := []string{"none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra", "x"}
	if !slices.Equal(e, want) {
		t.Errorf("got %v", e)
	}
}

func TestFallbackModelsAreFresh(t *testing.T) {
	a := FallbackModels()
	a[0].Efforts[0] = "changed"
	if FallbackModels()[0].Efforts[0] == "changed" {
		t.Error("FallbackModels shares state between calls")
	}
}
