package tray

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagp/lagp/assets"
	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/settings"
	"github.com/lagp/lagp/proxy/upstream"
	"github.com/lagp/lagp/tray/tunnel"
)

func TestStartShowsStateAndListens(t *testing.T) {
	h := newHarness(t, nil)
	h.auth.setStatus(auth.Status{State: auth.StateSignedIn,
		Account: auth.Account{Email: "ada@example.com", Plan: "pro"}})
	h.server.models = canon.ModelList{{ID: "gpt-5.5", DisplayName: "GPT-5.5"}}
	h.run()
	h.wait("models 1")
	if it := h.item("Signed in as*"); it.Label != "Signed in as ada@example.com (Pro)" {
		t.Errorf("status line = %q", it.Label)
	}
	if it := h.item("Listening on*"); it.Label != "Listening on http://127.0.0.1:11434" {
		t.Errorf("listening line = %q", it.Label)
	}
	if it := h.item("GPT-5.5 (gpt-5.5)"); it.Action != ActCopyModel || it.Arg != "gpt-5.5" {
		t.Errorf("model item = %+v", it)
	}
	if got := h.menus.last().Icon; got != assets.SignedIn {
		t.Errorf("icon = %s", got)
	}
	if len(h.server.rebindLog()) != 0 {
		t.Errorf("tray rebound a listening server: %v", h.server.rebindLog())
	}
}

func TestStartListensWhenMainDidNot(t *testing.T) {
	h := newHarness(t, nil)
	h.server.port = 0
	h.run()
	if got := h.server.rebindLog(); !cmp.Equal(got, []string{"127.0.0.1:11434"}) {
		t.Errorf("rebinds = %v", got)
	}
	if it := h.item("Listening on*"); it.Label != "Listening on http://127.0.0.1:11434" {
		t.Errorf("listening line = %q", it.Label)
	}
}

func TestCopyBaseURLAndModel(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActCopyBaseURL, "")
	h.wait("copied base-url")
	h.click(ActCopyModel, "gpt-5.4")
	h.wait("copied model")
	want := []string{"http://127.0.0.1:11434/v1", "gpt-5.4"}
	if got := h.copied.all(); !cmp.Equal(got, want) {
		t.Errorf("copied %q, want %q", got, want)
	}
}

func TestCopyAPIKeyCreatesOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActCopyAPIKey, "")
	h.wait("copied api-key")
	h.click(ActCopyAPIKey, "")
	h.wait("copied api-key")
	keys := h.settings.Get().APIKeys
	if len(keys) != 1 || !strings.HasPrefix(keys[0].Key, "lagp-") {
		t.Fatalf("keys after two copies: %d", len(keys))
	}
	if got := h.copied.all(); !cmp.Equal(got, []string{keys[0].Key, keys[0].Key}) {
		t.Error("copied something other than the saved key")
	}
}

func TestExposeOnLAN(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActToggleExpose, "")
	if got := h.wait("listening *"); got != "http://192.168.1.20:11434" {
		t.Errorf("listening on %q", got)
	}
	s := h.settings.Get()
	if !s.ExposeLAN || len(s.APIKeys) != 1 {
		t.Errorf("settings after expose: lan=%v keys=%d", s.ExposeLAN, len(s.APIKeys))
	}
	if got := h.server.rebindLog(); !cmp.Equal(got, []string{"0.0.0.0:11434"}) {
		t.Errorf("rebinds = %v", got)
	}
	if it := h.item(LabelExpose); !it.Checked {
		t.Error("expose checkbox not checked")
	}
	if it := h.item("Listening on*"); it.Label != "Listening on http://192.168.1.20:11434" {
		t.Errorf("listening line = %q", it.Label)
	}
	if h.menus.last().Icon != assets.Exposed {
		t.Errorf("icon = %s", h.menus.last().Icon)
	}
	h.wait("notify lagp is on your local network")

	h.click(ActToggleExpose, "")
	h.wait("listening http://127.0.0.1:11434")
	if h.item(LabelExpose).Checked {
		t.Error("expose checkbox still checked")
	}
	// On again: announced again, since it is a new exposure.
	h.click(ActToggleExpose, "")
	h.wait("listening http://192.168.1.20:11434")
	h.wait("notify lagp is on your local network")
	h.click(ActCopyBaseURL, "")
	h.wait("copied base-url")
	if got := h.copied.all(); got[len(got)-1] != "http://192.168.1.20:11434/v1" {
		t.Errorf("base URL when exposed = %q", got[len(got)-1])
	}
}

func TestPortInUseRevertsAndNotifiesOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.server.mu.Lock()
	h.server.rebindErr = fmt.Errorf("listening on 127.0.0.1:8080: %w", syscall.EADDRINUSE)
	h.server.mu.Unlock()
	for range 2 {
		if err := h.settings.Update(func(s *settings.Settings) error {
			s.Port = 8080
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		h.wait("rebind-failed *")
		// The failed port is put back in the settings.
		deadline := time.Now().Add(5 * time.Second)
		for h.settings.Get().Port != 11434 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := h.settings.Get().Port; got != 11434 {
			t.Fatalf("port after failed rebind = %d", got)
		}
	}
	h.sync()
	if got := h.events.named("notify"); !cmp.Equal(got, []string{"Port 8080 is already in use"}) {
		t.Errorf("notifications %q, want one port-in-use", got)
	}
	h.notes.waitFor(t, 1)
	if it := h.item("Listening on*"); it.Label != "Listening on http://127.0.0.1:11434" {
		t.Errorf("listening line = %q", it.Label)
	}
}

func TestAuthEventsNotifyOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	acct := auth.Account{Email: "ada@example.com", Plan: "plus"}
	h.auth.setStatus(auth.Status{State: auth.StateSignedIn, Account: acct})
	for range 2 { // the same event twice: one notification
		h.auth.events <- auth.Event{Kind: auth.EventSignedIn, Account: acct, At: at}
		h.wait("signed-in ada@example.com")
	}
	if it := h.item("Signed in as*"); it.Label != "Signed in as ada@example.com (Plus)" {
		t.Errorf("status = %q", it.Label)
	}
	if h.item(LabelSignIn).Hidden == false || h.item(LabelSignOut).Hidden {
		t.Error("sign in/out visibility wrong after sign-in")
	}

	h.auth.setStatus(auth.Status{State: auth.StateSignedIn, Account: acct, RefreshFailures: 2})
	h.auth.events <- auth.Event{Kind: auth.EventRefreshFailing, Reason: "503 from issuer", At: at}
	h.wait("session refresh_failing")
	h.sync()
	if h.menus.last().Icon != assets.Attention {
		t.Errorf("icon while refresh fails = %s", h.menus.last().Icon)
	}

	h.auth.setStatus(auth.Status{State: auth.StateExpired, Reason: "refresh token reused"})
	h.auth.events <- auth.Event{Kind: auth.EventSignedOut, Reason: "refresh token reused", At: at}
	h.wait("signed-out refresh token reused")
	if it := h.item("Session expired*"); it.Label != "Session expired — sign in again" {
		t.Errorf("status = %q", it.Label)
	}
	h.sync()
	want := []string{"Signed in to ChatGPT", "ChatGPT session renewal failing",
		"Signed out of ChatGPT"}
	if got := h.events.named("notify"); !cmp.Equal(got, want) {
		t.Errorf("notifications %q, want %q", got, want)
	}
	delivered := h.notes.waitFor(t, 3)
	i := slices.IndexFunc(delivered, func(s string) bool {
		return strings.HasPrefix(s, "Signed out of ChatGPT")
	})
	if i < 0 || !strings.Contains(delivered[i], "refresh token reused") ||
		!strings.Contains(delivered[i], "Sign in with ChatGPT…") {
		t.Errorf("sign-out notification lacks reason or next step: %q", delivered)
	}
}

func TestUsageLinesAndAlerts(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	reset := time.Date(2026, 5, 12, 14, 5, 0, 0, time.UTC)
	h.server.setLimits(upstream.Limits{Windows: []upstream.Window{
		{Limit: "codex", Name: "primary", UsedPercent: 91, WindowMinutes: 300, ResetsAt: reset},
		{Limit: "codex", Name: "secondary", UsedPercent: 17, WindowMinutes: 10080,
			ResetsAt: reset.Add(72 * time.Hour)},
	}})
	for range 3 { // polls with the same data notify once
		h.app.update(func() { h.app.readLimits(true) })
		h.sync()
	}
	if it := h.item("5-hour limit*"); it.Label != "5-hour limit: 91% used, resets 14:05" {
		t.Errorf("5-hour line = %q", it.Label)
	}
	if it := h.item("Weekly limit*"); it.Label != "Weekly limit: 17% used, resets Fri 14:05" {
		t.Errorf("weekly line = %q", it.Label)
	}
	h.server.setLimits(upstream.Limits{Windows: []upstream.Window{
		{Limit: "codex", UsedPercent: 100, WindowMinutes: 300, ResetsAt: reset}}})
	h.app.update(func() { h.app.readLimits(true) })
	h.sync()
	if h.menus.last().Icon != assets.Attention {
		t.Errorf("icon at the limit = %s", h.menus.last().Icon)
	}
	want := []string{"ChatGPT usage at 91%", "ChatGPT usage limit reached"}
	if got := h.events.named("notify"); !cmp.Equal(got, want) {
		t.Errorf("notifications %q, want %q", got, want)
	}
	h.notes.waitFor(t, 2)
}

func TestTunnel(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActToggleTunnel, "")
	if got := h.wait("tunnel https*"); got != "https://quiet-lake.trycloudflare.com" {
		t.Errorf("tunnel url %q", got)
	}
	ft := <-h.tunnels
	h.wait("copied tunnel-url")
	if got := h.copied.all(); !cmp.Equal(got, []string{"https://quiet-lake.trycloudflare.com/v1"}) {
		t.Errorf("copied %q", got)
	}
	if !h.server.allowed("quiet-lake.trycloudflare.com") {
		t.Error("tunnel host not allowed")
	}
	if len(h.settings.Get().APIKeys) != 1 {
		t.Error("tunnel started without an API key")
	}
	if it := h.item(LabelTunnel); !it.Checked {
		t.Error("tunnel checkbox not checked")
	}
	if it := h.item("Public URL:*"); it.Hidden {
		t.Error("public URL line hidden")
	}
	h.wait("notify Public URL ready")

	h.click(ActToggleTunnel, "")
	select {
	case <-ft.stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("tunnel not stopped")
	}
	if h.server.allowed("quiet-lake.trycloudflare.com") {
		t.Error("tunnel host still allowed")
	}
	if h.item(LabelTunnel).Checked {
		t.Error("tunnel checkbox still checked")
	}
}

func TestTunnelExitIsShown(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActToggleTunnel, "")
	h.wait("tunnel https*")
	ft := <-h.tunnels
	ft.exit() // cloudflared dies on its own
	h.wait("tunnel-stopped *")
	h.wait("notify Public URL failed")
	if h.item(LabelTunnel).Checked {
		t.Error("checkbox stays on after the tunnel died")
	}
}

func TestTunnelWithoutCloudflaredOpensHelp(t *testing.T) {
	h := newHarness(t, nil)
	h.tunnelErr = tunnel.ErrNotInstalled
	h.run()
	h.click(ActToggleTunnel, "")
	h.wait("opened " + tunnel.InstallHelpURL)
	if h.item(LabelTunnel).Checked {
		t.Error("checkbox on without a tunnel")
	}
}

func TestOpenActions(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActSignIn, "")
	h.wait("opened https://auth.example/*")
	h.click(ActSettings, "")
	h.wait("opened http://127.0.0.1:11434/lagp/settings")
	h.click(ActAddRemote, "")
	h.wait("opened http://127.0.0.1:11434/lagp/settings#remotes")
	h.click(ActOpenLog, "")
	h.wait("opened /tmp/lagp.log")
}

func TestSettingsPageUsesLoopbackWhenExposed(t *testing.T) {
	h := newHarness(t, nil)
	h.server.host = "0.0.0.0"
	h.run()
	if it := h.item("Listening on*"); it.Label != "Listening on http://192.168.1.20:11434" {
		t.Errorf("listening = %q", it.Label)
	}
	h.click(ActSettings, "")
	h.wait("opened http://127.0.0.1:11434/lagp/settings")
}

func TestStartAtLogin(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActToggleAutostart, "")
	h.wait("autostart on")
	if !h.settings.Get().StartAtLogin || !h.item(LabelStartAtLogin).Checked {
		t.Error("start at login not on")
	}
	// A change from the settings page reaches the registration too.
	if err := h.settings.Update(func(s *settings.Settings) error {
		s.StartAtLogin = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.wait("autostart off")
	h.autostart.mu.Lock()
	defer h.autostart.mu.Unlock()
	if !cmp.Equal(h.autostart.set, []bool{true, false}) {
		t.Errorf("autostart calls %v", h.autostart.set)
	}
}

func TestPush(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.settings.Update(func(s *settings.Settings) error {
		s.Remotes = []settings.Remote{{Name: "server", URL: "http://10.0.0.9:11434",
			SyncSecret: "s3cret-s3cret-s3cret"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.run()
	if it := h.item("server"); it.Action != ActPush {
		t.Errorf("remote item = %+v", it)
	}
	h.click(ActPush, "server")
	h.wait("pushed server")
	if got := h.pushes.all(); !cmp.Equal(got, []string{"http://10.0.0.9:11434 s3cret-s3cret-s3cret"}) {
		t.Errorf("pushes %q", got)
	}
	h.pushes.mu.Lock()
	h.pushes.err = fmt.Errorf("remote refused the sync secret")
	h.pushes.mu.Unlock()
	h.click(ActPush, "server")
	h.wait("push-failed server")
	h.notes.waitFor(t, 2)
	titles := h.notes.titles()
	if !slices.Contains(titles, "Sign-in pushed") || !slices.Contains(titles, "Push to server failed") {
		t.Errorf("notifications %q", titles)
	}
}

func TestSignOutAndQuit(t *testing.T) {
	h := newHarness(t, nil)
	h.auth.setStatus(auth.Status{State: auth.StateSignedIn, Account: auth.Account{Email: "a@b.c"}})
	h.run()
	h.click(ActSignOut, "")
	h.wait("signed-out you signed out")
	if it := h.item("Not signed in"); it.Enabled {
		t.Error("status line enabled")
	}
	h.click(ActQuit, "")
	select {
	case <-h.quit:
	case <-time.After(5 * time.Second):
		t.Fatal("quit not called")
	}
}

// TestClicksNeverBlock checks that a flood of clicks with a stalled loop neither blocks the
// sender nor grows without bound (P3).
func TestClicksNeverBlock(t *testing.T) {
	h := newHarness(t, nil)
	done := make(chan struct{})
	go func() {
		for range 10 * clickQueueSize {
			h.app.enqueue(Click{Action: ActCopyBaseURL})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("enqueue blocked")
	}
	if n := len(h.app.clicks); n != clickQueueSize {
		t.Errorf("queued %d clicks, want %d", n, clickQueueSize)
	}
}

func TestSecretsStayOutOfEvents(t *testing.T) {
	h := newHarness(t, nil)
	h.run()
	h.click(ActCopyAPIKey, "")
	h.wait("copied api-key")
	key := h.settings.Get().APIKeys[0].Key
	h.events.mu.Lock()
	defer h.events.mu.Unlock()
	for _, line := range h.backlog {
		if strings.Contains(line, key) {
			t.Errorf("event line reveals the API key: %q", line)
		}
	}
}

// TestRebindRacingAnotherFollower covers main also following the settings: when the server
// is already where the settings want it, the tray's own failed bind is not an error.
func TestRebindRacingAnotherFollower(t *testing.T) {
	h := newHarness(t, nil)
	h.server.raced = true
	h.run()
	h.click(ActToggleExpose, "")
	h.wait("listening http://192.168.1.20:11434")
	h.sync()
	if got := h.events.named("notify"); !cmp.Equal(got, []string{"lagp is on your local network"}) {
		t.Errorf("notifications %q", got)
	}
	if !h.settings.Get().ExposeLAN {
		t.Error("exposure reverted")
	}
}

// TestModelsFollowTheSession loads the models once the session store has been read, and
// drops them when the account signs out.
func TestModelsFollowTheSession(t *testing.T) {
	h := newHarness(t, nil)
	h.server.models = canon.ModelList{{ID: "gpt-5.5", DisplayName: "GPT-5.5"}}
	h.run()
	h.wait("models 1") // the start-up attempt
	h.server.mu.Lock()
	h.server.models = append(h.server.models, canon.Model{ID: "gpt-5.4", DisplayName: "GPT-5.4"})
	h.server.mu.Unlock()
	h.auth.setStatus(auth.Status{State: auth.StateSignedIn, Account: auth.Account{Email: "a@b.c"}})
	h.auth.events <- auth.Event{Kind: auth.EventLoaded}
	h.wait("models 2")
	if _, ok := find(h.menus.last().Items, "GPT-5.4 (gpt-5.4)"); !ok {
		h.sync()
		if _, ok := find(h.menus.last().Items, "GPT-5.4 (gpt-5.4)"); !ok {
			t.Error("models not reloaded after the store was read")
		}
	}
	h.auth.setStatus(auth.Status{State: auth.StateSignedOut})
	h.auth.events <- auth.Event{Kind: auth.EventSignedOut, Reason: "signed out", At: time.Now()}
	h.wait("signed-out signed out")
	if it := h.item(LabelModels); len(it.Children) != 3 || it.Children[0].Label != LabelNoModels {
		t.Errorf("Models submenu after sign-out: %+v", it.Children)
	}
}
