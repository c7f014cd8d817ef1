package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lagp/lagp/auth/authtest"
)

const chatBody = `{"model":"gpt-5.4","messages":[{"role":"user","content":"[[F1]] hi"}]}`

// chat sends one non-streaming chat request and returns the status and body.
func chat(t *testing.T, in *instance) (int, string) {
	t.Helper()
	res, err := http.Post(in.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(chatBody))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, mustRead(t, res)
}

func mustRead(t *testing.T, res *http.Response) string {
	t.Helper()
	var buf strings.Builder
	if _, err := io.Copy(&buf, res.Body); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

type statusBody struct {
	State   string `json:"state"`
	Account *struct {
		Email string `json:"email"`
		Plan  string `json:"plan"`
	} `json:"account"`
}

func status(t *testing.T, in *instance) statusBody {
	t.Helper()
	res, err := http.Get(in.URL + "/lagp/status")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st statusBody
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestFirstRunSignsInThroughLogin starts lagp with no sign-in on a headless machine: it offers
// the sign-in at once, and /login followed with redirects (what a browser on the other end of
// an SSH tunnel does) signs it in.
func TestFirstRunSignsInThroughLogin(t *testing.T) {
	cb := freePort(t)
	in := start(t, options{args: []string{"--no-browser", "--callback-port", fmt.Sprint(cb)}})
	if code, body := chat(t, in); code != http.StatusUnauthorized ||
		!strings.Contains(body, "lagp login") {
		t.Fatalf("before sign-in: %d %s", code, body)
	}
	waitFor(t, "the sign-in URL on stdout", func() bool {
		return strings.Contains(in.out.String(), "/oauth/authorize?")
	})
	res, err := http.Get(in.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page := mustRead(t, res)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "signed in") {
		t.Fatalf("sign-in page %d:\n%s", res.StatusCode, page)
	}
	waitFor(t, "the signed-in state", func() bool { return status(t, in).State == "signed_in" })
	if st := status(t, in); st.Account == nil || st.Account.Email == "" {
		t.Errorf("status after sign-in: %+v", st)
	}
	if code, body := chat(t, in); code != http.StatusOK {
		t.Errorf("after sign-in: %d %s", code, body)
	}
}

// TestRefreshBurstCostsOneRefresh starts lagp with an expired access token and sends 20
// requests while the refresh is held: all of them wait for the one refresh, none reuses the
// refresh token.
func TestRefreshBurstCostsOneRefresh(t *testing.T) {
	issuer := authtest.NewIssuer(t)
	arrived, release := issuer.HoldRefreshes()
	home := t.TempDir()
	writeAuthJSON(t, home, issuer.Mint("burst@example.com", "pro", -time.Minute))
	in := start(t, options{issuer: issuer, home: home})
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh started for the expired token")
	}
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := chat(t, in)
			codes <- code
		}()
	}
	time.Sleep(300 * time.Millisecond) // let the burst reach the manager
	release()
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("request answered %d", code)
		}
	}
	if n, reuse := issuer.RefreshCount(), issuer.ReuseCount(); n != 1 || reuse != 0 {
		t.Errorf("%d refreshes and %d reuses for a burst of 20", n, reuse)
	}
}

// TestPushGivesTheRemoteItsOwnSignIn pushes a sign-in from one lagp's command line to a
// second, headless lagp: a wrong secret is refused before any browser sign-in; then both sides
// keep working after each refreshes its own session.
func TestPushGivesTheRemoteItsOwnSignIn(t *testing.T) {
	issuer := authtest.NewIssuer(t)
	local := start(t, options{signedIn: true, issuer: issuer})
	remote := start(t, options{issuer: issuer, args: []string{"--no-browser",
		"--sync-secret", "s3cret-for-tests"}})
	cb := fmt.Sprint(freePort(t))

	push := func(secret string) (string, error) {
		cmd := exec.Command(binary, "push", remote.URL, "--sync-secret", secret,
			"--callback-port", cb)
		cmd.Env = append(os.Environ(), "LAGP_HOME="+local.Home+"/.lagp",
			"LAGP_AUTH_URL="+issuer.URL, "LAGP_TOKEN_STORE=file")
		cmd.Env = append(cmd.Env, browserEnv(t)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := push("wrong"); err == nil || issuer.ExchangeCount() != 0 {
		t.Fatalf("wrong secret: err %v, %d exchanges\n%s", err, issuer.ExchangeCount(), out)
	} else {
		local.checkNoSecrets(t, out)
	}
	out, err := push("s3cret-for-tests")
	if err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	local.checkNoSecrets(t, out)
	waitFor(t, "the remote to be signed in", func() bool {
		return status(t, remote).State == "signed_in"
	})

	// Each side refreshes once (the backend turns its current token down); with a shared
	// refresh token the second refresh would be a reuse and lock one side out.
	for _, in := range []*instance{local, remote} {
		for _, tok := range issuer.Issued() {
			if strings.HasPrefix(tok, "rt_") {
				continue
			}
			in.Fake.RejectToken(tok)
		}
		if code, body := chat(t, in); code != http.StatusOK {
			t.Errorf("after refresh: %d %s", code, body)
		}
	}
	if issuer.ReuseCount() != 0 || issuer.RefreshCount() < 2 {
		t.Errorf("%d refreshes, %d reuses", issuer.RefreshCount(), issuer.ReuseCount())
	}
}

// TestStatusCommandShowsNoSecrets runs `lagp status` against a running lagp at DEBUG level.
func TestStatusCommandShowsNoSecrets(t *testing.T) {
	in := start(t, options{signedIn: true, args: []string{"--log-level", "DEBUG"}})
	if code, _ := chat(t, in); code != http.StatusOK {
		t.Fatal("chat failed")
	}
	port := in.URL[strings.LastIndex(in.URL, ":")+1:]
	cmd := exec.Command(binary, "status", "--port", port)
	cmd.Env = append(os.Environ(), "LAGP_HOME="+in.Home+"/.lagp", "LAGP_TOKEN_STORE=file")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "dev@example.com") {
		t.Fatalf("lagp status: %v\n%s", err, out)
	}
	in.checkNoSecrets(t, string(out))
	if !strings.Contains(in.out.String(), "level=DEBUG") {
		t.Errorf("no debug lines logged:\n%s", in.out.String())
	}
	in.checkNoSecrets(t, in.out.String())
}
