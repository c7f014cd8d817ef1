// Command demo prepares a lagp home that looks signed in and serves a fake ChatGPT backend for
// it, so that build/screenshots.sh can show the tray with an account, models and usage lines
// without any network or real sign-in.
//
// It writes $home/auth.json holding unsigned demo tokens (lagp only reads their claims),
// prints the fake backend's base URL on stdout (use it as LAGP_BACKEND_URL) and serves until
// it is killed. Nothing here is used by lagp itself.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/upstream/fakebackend"
)

func main() {
	home := flag.String("home", "", "LAGP_HOME to write the demo sign-in into")
	email := flag.String("email", "ada@example.com", "e-mail of the demo account")
	plan := flag.String("plan", "plus", "ChatGPT plan of the demo account")
	flag.Parse()
	if *home == "" {
		log.Fatal("demo: -home is required")
	}
	if err := writeSignIn(*home, *email, *plan); err != nil {
		log.Fatal(err)
	}
	fb := fakebackend.New()
	defer fb.Close()
	fb.AcceptFunc(func(string) bool { return true })
	fb.SetLimits(fakebackend.Limits{
		PlanType: *plan,
		Primary: fakebackend.LimitWindow{UsedPercent: 42, WindowMinutes: 300,
			ResetAfter: 2*time.Hour + 13*time.Minute},
		Secondary: fakebackend.LimitWindow{UsedPercent: 17, WindowMinutes: 10080,
			ResetAfter: 3*24*time.Hour + 5*time.Hour},
	})
	fmt.Println(fb.URL)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
}

// writeSignIn stores a sign-in valid for ten days in the Codex auth.json layout.
func writeSignIn(home, email, plan string) error {
	now := time.Now()
	claims := map[string]any{
		"email": email,
		"iat":   now.Unix(),
		"exp":   now.Add(10 * 24 * time.Hour).Unix(),
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": "demo-account",
			"chatgpt_plan_type":  plan,
			"chatgpt_user_id":    "user-demo",
		},
	}
	tok, err := unsignedJWT(claims)
	if err != nil {
		return err
	}
	b, err := auth.MarshalAuthJSON(auth.Tokens{IDToken: tok, AccessToken: tok,
		RefreshToken: "demo-refresh-token", AccountID: "demo-account", LastRefresh: now})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(home, "auth.json"), b, 0o600)
}

func unsignedJWT(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + ".demo", nil
}
