// Package settings owns the user's lagp configuration: the one place that both headless and tray
// modes read for the listening port, LAN exposure, API keys, remotes for sign-in push and output
// options.
//
// A [Store] keeps the settings in $LAGP_HOME/config.json (directory 0700, file 0600, replaced
// atomically), hands out copies, validates every change and tells subscribers about it. Command
// line flags become run-only overrides ([Store.Override]) that are never written to disk.
// [Handler] serves the loopback-only settings page that edits the same store.
package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Defaults for a fresh configuration.
const (
	DefaultPort         = 11434
	DefaultCallbackPort = 1455
	DefaultLogLevel     = "INFO"
)

// Values of [Settings.ReasoningField].
const (
	// ReasoningContent emits reasoning summaries as reasoning_content only.
	ReasoningContent = "reasoning_content"
	// ReasoningBoth emits reasoning_content and also reasoning, for clients that read the latter.
	ReasoningBoth = "both"
)

// LogLevels returns the accepted values of [Settings.LogLevel], most verbose first.
func LogLevels() []string {
	return []string{"DEBUG", "INFO", "WARNING", "ERROR"}
}

// maxNameLen bounds API key and remote names, which are labels shown in menus.
const maxNameLen = 64

// minKeyLen is the shortest API key accepted; generated keys are far longer.
const minKeyLen = 16

// Settings is the whole user configuration. The zero value is not useful; start from
// [Defaults]. Slices are owned by the value: [Store.Get] returns deep copies.
type Settings struct {
	// Port is the TCP port of the proxy (1–65535).
	Port int `json:"port"`
	// ExposeLAN binds the proxy to all interfaces instead of loopback. It requires at least
	// one API key.
	ExposeLAN bool `json:"expose_lan"`
	// APIKeys are the keys clients must present when an API key is required. Names are unique.
	APIKeys []APIKey `json:"api_keys"`
	// Remotes are other lagp instances this one can push a sign-in to. Names are unique.
	Remotes []Remote `json:"remotes"`
	// ReasoningField is ReasoningContent or ReasoningBoth.
	ReasoningField string `json:"reasoning_field"`
	// OllamaToolCallIDs adds tool-call ids to Ollama responses (some older clients break on
	// them).
	OllamaToolCallIDs bool `json:"ollama_tool_call_ids"`
	// StartAtLogin registers lagp to start with the user's desktop session.
	StartAtLogin bool `json:"start_at_login"`
	// LogLevel is one of [LogLevels].
	LogLevel string `json:"log_level"`
	// CallbackPort is the first loopback port tried for the OAuth callback (1–65535).
	CallbackPort int `json:"callback_port"`
}

// APIKey is a named client key. Its String and LogValue methods mask the key so that printing
// or logging a value never reveals it.
type APIKey struct {
	Name    string    `json:"name"`
	Key     string    `json:"key"`
	Created time.Time `json:"created"`
}

// Remote is another lagp instance that accepts a pushed sign-in at <URL>/auth/sync. SyncSecret
// authenticates the push; String and LogValue leave it out.
type Remote struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	SyncSecret string `json:"sync_secret"`
}

// Defaults returns the settings of a fresh install.
func Defaults() Settings {
	return Settings{
		Port:              DefaultPort,
		APIKeys:           []APIKey{},
		Remotes:           []Remote{},
		ReasoningField:    ReasoningContent,
		OllamaToolCallIDs: true,
		LogLevel:          DefaultLogLevel,
		CallbackPort:      DefaultCallbackPort,
	}
}

// clone returns a copy of s that shares no slices with it.
func (s Settings) clone() Settings {
	s.APIKeys = slices.Clone(s.APIKeys)
	s.Remotes = slices.Clone(s.Remotes)
	return s
}

// normalize replaces nil slices with empty ones, so that "no keys" has one form in memory and
// on disk.
func (s *Settings) normalize() {
	if s.APIKeys == nil {
		s.APIKeys = []APIKey{}
	}
	if s.Remotes == nil {
		s.Remotes = []Remote{}
	}
}

// Validate reports the first problem that makes s unusable, or nil.
func (s Settings) Validate() error {
	checks := []error{
		validatePort("port", s.Port),
		validatePort("callback port", s.CallbackPort),
		validateKeys(s.APIKeys),
		validateRemotes(s.Remotes),
		validateChoice("reasoning field", s.ReasoningField, ReasoningContent, ReasoningBoth),
		validateChoice("log level", s.LogLevel, LogLevels()...),
	}
	return errors.Join(checks...)
}

// validateExposure reports an error when s would expose lagp without any API key.
func (s Settings) validateExposure() error {
	if s.ExposeLAN && len(s.APIKeys) == 0 {
		return errors.New("exposing lagp on the local network needs at least one API key")
	}
	return nil
}

func validatePort(what string, port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("%s %d is outside 1–65535", what, port)
	}
	return nil
}

func validateChoice(what, got string, allowed ...string) error {
	if slices.Contains(allowed, got) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s", what, got, strings.Join(allowed, ", "))
}

// validateName checks a label typed by the user: non-empty, trimmed, printable, bounded.
func validateName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty", what)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%s name %q has leading or trailing spaces", what, name)
	case len(name) > maxNameLen:
		return fmt.Errorf("%s name is longer than %d bytes", what, maxNameLen)
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("%s name %q has unprintable characters", what, name)
	}
	return nil
}

func validateKeys(keys []APIKey) error {
	seen := make(map[string]bool, len(keys))
	values := make(map[string]bool, len(keys))
	for _, k := range keys {
		if err := validateName("API key", k.Name); err != nil {
			return err
		}
		if seen[k.Name] {
			return fmt.Errorf("API key name %q is used twice", k.Name)
		}
		seen[k.Name] = true
		// The key itself never goes into an error message.
		if len(k.Key) < minKeyLen || strings.IndexFunc(k.Key, notKeyRune) >= 0 {
			return fmt.Errorf("API key %q must be at least %d printable characters without spaces",
				k.Name, minKeyLen)
		}
		if values[k.Key] {
			return fmt.Errorf("API key %q duplicates another key", k.Name)
		}
		values[k.Key] = true
	}
	return nil
}

// notKeyRune reports whether r may not appear in an API key, which travels in an HTTP header.
func notKeyRune(r rune) bool {
	return r <= ' ' || r > '~'
}

func validateRemotes(remotes []Remote) error {
	seen := make(map[string]bool, len(remotes))
	for _, r := range remotes {
		if err := validateName("remote", r.Name); err != nil {
			return err
		}
		if seen[r.Name] {
			return fmt.Errorf("remote name %q is used twice", r.Name)
		}
		seen[r.Name] = true
		if err := validateRemoteURL(r.URL); err != nil {
			return fmt.Errorf("remote %q: %w", r.Name, err)
		}
	}
	return nil
}

// validateRemoteURL accepts the base URL of another lagp: http or https, a host, and nothing
// that could carry a secret (user info, query, fragment).
func validateRemoteURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("URL does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("URL must start with http:// or https://")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("URL has no host")
	case u.User != nil:
		return errors.New("URL must not contain a user name or password; use the sync secret")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return errors.New("URL must not have a query or fragment")
	}
	return nil
}

// String returns the key's name and masked value.
func (k APIKey) String() string {
	return k.Name + " " + MaskKey(k.Key)
}

// GoString is like String, so %#v masks the key too.
func (k APIKey) GoString() string {
	return "settings.APIKey{" + k.String() + "}"
}

// LogValue logs the name and masked key.
func (k APIKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", k.Name), slog.String("key", MaskKey(k.Key)))
}

// String returns the remote's name and URL, without the secret.
func (r Remote) String() string {
	return r.Name + " " + r.URL
}

// GoString is like String, so %#v leaves the secret out too.
func (r Remote) GoString() string {
	return "settings.Remote{" + r.String() + "}"
}

// LogValue logs the name, URL and whether a secret is set.
func (r Remote) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", r.Name), slog.String("url", r.URL),
		slog.Bool("secret_set", r.SyncSecret != ""))
}
