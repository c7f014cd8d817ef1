//go:build linux

package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// This file drives the settings page with a real headless Chromium through chromedriver's W3C
// WebDriver HTTP API, as the tray issue asks: add a key, add a remote, toggle LAN exposure.

// requireTool returns the path of a tool: the value of the environment variable env when set,
// else the first of names found in PATH or as an absolute path. When the tool is missing the
// test is skipped, or fails when LAGP_REQUIRE_DESKTOP=1 (CI).
func requireTool(t *testing.T, env string, names ...string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		names = []string{p}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not installed (apt-get install chromium chromium-driver, or set %s)",
		strings.Join(names, " or "), env)
	if os.Getenv("LAGP_REQUIRE_DESKTOP") == "1" {
		t.Fatal(msg + "; required because LAGP_REQUIRE_DESKTOP=1")
	}
	t.Skip(msg + "; set LAGP_REQUIRE_DESKTOP=1 to make this a failure")
	return ""
}

// testLogger sends the page's log lines to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// webDriver is a minimal W3C WebDriver client for one session.
type webDriver struct {
	t       *testing.T
	base    string
	session string
	client  *http.Client
}

// elementKey is the W3C name of the JSON field holding an element reference.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// startBrowser runs chromedriver on a free loopback port and opens a headless Chromium session.
// Both end when the test does.
func startBrowser(t *testing.T) *webDriver {
	t.Helper()
	driverPath := requireTool(t, "LAGP_CHROMEDRIVER", "chromedriver", "/usr/bin/chromedriver")
	chromium := requireTool(t, "LAGP_CHROMIUM", "chromium", "/usr/bin/chromium",
		"chromium-browser")

	port := freePort(t)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "chromedriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(driverPath, "--port="+strconv.Itoa(port))
	// Never hand the children our stderr: an orphan would keep go test's pipe open.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromedriver: %v", err)
	}
	t.Cleanup(func() {
		// Kill the whole group so no Chromium process outlives the test.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("chromedriver log:\n%s", b)
			}
		}
	})

	d := &webDriver{
		t:      t,
		base:   "http://127.0.0.1:" + strconv.Itoa(port),
		client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{Proxy: nil}},
	}
	d.waitReady()
	d.newSession(chromium)
	t.Cleanup(func() { _ = d.call(http.MethodDelete, "", nil, nil) })
	return d
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls /status until chromedriver accepts sessions.
func (d *webDriver) waitReady() {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var status struct {
			Ready bool `json:"ready"`
		}
		if d.raw(http.MethodGet, d.base+"/status", nil, &status) == nil && status.Ready {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Fatal("chromedriver did not become ready within 20s")
}

func (d *webDriver) newSession(chromium string) {
	d.t.Helper()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args": []string{
				"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--no-first-run", "--no-proxy-server",
				"--user-data-dir=" + d.t.TempDir(),
			},
		},
	}}}
	var out struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.raw(http.MethodPost, d.base+"/session", caps, &out); err != nil {
		d.t.Fatalf("creating a Chromium session: %v", err)
	}
	d.session = out.SessionID
}

// call runs a command on the session; path is relative to /session/{id}.
func (d *webDriver) call(method, path string, body, out any) error {
	return d.raw(method, d.base+"/session/"+d.session+path, body, out)
}

// raw sends one WebDriver command and decodes the "value" member of the answer into out.
func (d *webDriver) raw(method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var envelope struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return fmt.Errorf("%s %s: status %d, undecodable answer: %w", method, url,
			resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, envelope.Value)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(envelope.Value, out)
}

func (d *webDriver) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

func (d *webDriver) navigate(url string) {
	d.t.Helper()
	d.must(d.call(http.MethodPost, "/url", map[string]string{"url": url}, nil))
}

// find returns the element matching css, or "" when there is none.
func (d *webDriver) find(css string) string {
	d.t.Helper()
	var el map[string]string
	err := d.call(http.MethodPost, "/element",
		map[string]string{"using": "css selector", "value": css}, &el)
	if err != nil {
		return ""
	}
	return el[elementKey]
}

func (d *webDriver) mustFind(css string) string {
	d.t.Helper()
	el := d.find(css)
	if el == "" {
		d.t.Fatalf("no element matches %q on %s", css, d.source())
	}
	return el
}

func (d *webDriver) typeInto(css, text string) {
	d.t.Helper()
	d.must(d.call(http.MethodPost, "/element/"+d.mustFind(css)+"/value",
		map[string]string{"text": text}, nil))
}

func (d *webDriver) click(css string) {
	d.t.Helper()
	d.must(d.call(http.MethodPost, "/element/"+d.mustFind(css)+"/click", map[string]any{}, nil))
}

// text returns the rendered text of the element matching css, or "" when there is none. It
// never fails the test, so it is safe while the page is being replaced.
func (d *webDriver) text(css string) string {
	return d.read(css, "/text")
}

// property returns a DOM property of the element matching css, or "" (see text).
func (d *webDriver) property(css, name string) string {
	return d.read(css, "/property/"+name)
}

func (d *webDriver) read(css, what string) string {
	el := d.find(css)
	if el == "" {
		return ""
	}
	var s string
	if d.call(http.MethodGet, "/element/"+el+what, nil, &s) != nil {
		return ""
	}
	return s
}

func (d *webDriver) source() string {
	var s string
	_ = d.call(http.MethodGet, "/source", nil, &s)
	return s
}

// waitFor polls until cond holds; it fails the test after 15s. Used for page loads the
// browser makes on its own (the refresh after a listener change).
func (d *webDriver) waitFor(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			d.t.Fatalf("timed out waiting for %s; page:\n%s", what, d.source())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestChromium_SettingsPage(t *testing.T) {
	store, err := Open(filepath.Join(t.TempDir(), "home"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(store, PageOptions{Version: "test", Logger: testLogger(t)}))
	defer srv.Close()
	d := startBrowser(t)
	d.navigate(srv.URL + PagePath)
	if got := d.text("h1"); got != "lagp settings" {
		t.Fatalf("page heading %q", got)
	}

	// Add a key: the store holds it and the page shows it in full exactly once.
	d.typeInto("#key-name", "laptop")
	d.click("#add-key")
	d.waitFor("the new key on the page", func() bool { return d.find("#new-key") != "" })
	keys := store.Get().APIKeys
	if len(keys) != 1 || keys[0].Name != "laptop" {
		t.Fatalf("store keys after adding in the browser: %v", keys)
	}
	if shown := d.property("#new-key", "value"); shown != keys[0].Key {
		t.Errorf("new key field shows %q; want the stored key", MaskKey(shown))
	}
	if !strings.Contains(d.text("#keys"), MaskKey(keys[0].Key)) {
		t.Error("key list lacks the masked key")
	}
	// The copy button's inline script runs only if the CSP hash matches it.
	d.click("#copy-key")
	d.waitFor("the copy script to run", func() bool { return d.text("#copy-key") == "Copied" })

	// Add a remote: stored with its secret, which the page never shows.
	d.typeInto("#remote-name", "vps")
	d.typeInto("#remote-url", "https://vps.example:11434")
	d.typeInto("#remote-secret", "browser-typed-secret")
	d.click("#add-remote")
	d.waitFor("the remote on the page", func() bool {
		return strings.Contains(d.text("#flash"), "Remote \"vps\" added.")
	})
	want := Remote{Name: "vps", URL: "https://vps.example:11434", SyncSecret: "browser-typed-secret"}
	if got := store.Get().Remotes; len(got) != 1 || got[0] != want {
		t.Fatalf("store remotes after adding in the browser: %#v", got)
	}
	if src := d.source(); strings.Contains(src, "browser-typed-secret") ||
		strings.Contains(src, keys[0].Key) {
		t.Error("page source holds a secret after the remote was added")
	}
	if got := d.property(".remote input[name=url]", "value"); got != want.URL {
		t.Errorf("remote row shows URL %q", got)
	}

	// Toggle LAN exposure: the answer reloads the page a moment later.
	d.click("#toggle-lan")
	d.waitFor("the page to show exposure on", func() bool { return d.text("#lan-state") == "on" })
	if got := store.Get(); !got.ExposeLAN || len(got.APIKeys) != 1 {
		t.Errorf("after toggling LAN: expose %v, %d keys; want true and the one key",
			got.ExposeLAN, len(got.APIKeys))
	}
	if !strings.Contains(d.text("#flash"), "exposed on the local network") {
		t.Errorf("flash after toggling: %q", d.text("#flash"))
	}
	d.click("#toggle-lan")
	d.waitFor("the page to show exposure off", func() bool { return d.text("#lan-state") == "off" })
	if store.Get().ExposeLAN {
		t.Error("exposure still on after toggling it off")
	}
}

// TestChromium_CrossSiteFormRefused submits a form to the settings page from another local
// origin, as a hostile page would, and checks that the real browser's request is refused.
func TestChromium_CrossSiteFormRefused(t *testing.T) {
	store, err := Open(filepath.Join(t.TempDir(), "home"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(store, PageOptions{}))
	defer srv.Close()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s%s/keys/add">
<input name="name" value="evil"><input name="csrf" value="guess"></form>
<script>document.getElementById("f").submit()</script>`, srv.URL, PagePath)
	}))
	defer evil.Close()

	d := startBrowser(t)
	d.navigate(srv.URL + PagePath) // the user has the real page open: its cookie is set
	d.navigate(evil.URL)
	d.waitFor("the forged submission to be answered", func() bool {
		return strings.Contains(d.source(), "Request refused")
	})
	if n := len(store.Get().APIKeys); n != 0 {
		t.Errorf("a cross-site form added %d key(s)", n)
	}
}
