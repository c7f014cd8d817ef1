package tray

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lagp/lagp/auth"
	"github.com/lagp/lagp/proxy/canon"
	"github.com/lagp/lagp/proxy/settings"
)

// runTrayChild runs the real tray (fyne systray, beeep, atotto/clipboard, autostart, the
// cloudflared runner) around fake proxy and auth values, writing EVENT lines to stdout. The
// parent test drives it over its private D-Bus session. Sign-in is simulated: opening the
// authorize URL signs the fake session in.
func runTrayChild() int {
	home := os.Getenv("LAGP_HOME")
	store, err := settings.Open(home)
	if err != nil {
		fmt.Fprintln(os.Stderr, "settings:", err)
		return 1
	}
	fa := newFakeAuth()
	srv := &fakeServer{host: "127.0.0.1", port: 11434, models: canon.ModelList{
		{ID: "gpt-5.5", DisplayName: "GPT-5.5"}, {ID: "gpt-5.4-mini", DisplayName: "GPT-5.4 Mini"}}}
	const authorizeURL = "https://auth.example/oauth/authorize?state=x"
	open := func(target string) error {
		if target == authorizeURL {
			acct := auth.Account{Email: "ada@example.com", Plan: "plus"}
			fa.setStatus(auth.Status{State: auth.StateSignedIn, Account: acct})
			fa.events <- auth.Event{Kind: auth.EventSignedIn, Account: acct, At: time.Now()}
		}
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err = Run(ctx, Deps{
		Server:   srv,
		Auth:     fa,
		Logins:   fakeLogins{url: authorizeURL},
		Settings: store,
		Version:  "9.9.9-test",
		Logger:   log,
		LogPath:  home + "/lagp.log",
		OpenURL:  open,
		LANAddrs: func() ([]net.IP, error) { return []net.IP{net.ParseIP("192.168.1.20")}, nil },
		Events:   os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tray:", err)
		return 1
	}
	return 0
}
