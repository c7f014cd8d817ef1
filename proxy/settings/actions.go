package settings

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// lanKeyName names the key created when LAN exposure is switched on without any key.
const lanKeyName = "lan"

// result is what an action did: the flash message for the next page, the section to scroll
// to, and whether the listener moves (port or exposure changed).
type result struct {
	flash
	Section string
	Moved   bool
	NewPort int // the port the listener moves to; 0 when it keeps its port
}

type action func(*page, *http.Request) result

// lookupAction maps the path below [PagePath] to its action.
func lookupAction(name string) (action, bool) {
	switch name {
	case "port":
		return (*page).setPort, true
	case "lan":
		return (*page).setLAN, true
	case "keys/add":
		return (*page).addKey, true
	case "keys/revoke":
		return (*page).revokeKey, true
	case "remotes/add":
		return (*page).addRemote, true
	case "remotes/update":
		return (*page).updateRemote, true
	case "remotes/remove":
		return (*page).removeRemote, true
	case "options":
		return (*page).setOptions, true
	}
	return nil, false
}

func done(section, message string) result {
	return result{flash: flash{Message: message}, Section: section}
}

func failed(section string, err error) result {
	return result{flash: flash{Message: sentence(err.Error()), Error: true}, Section: section}
}

// sentence turns an error text into a sentence for the page.
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func formValue(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

func (p *page) setPort(r *http.Request) result {
	port, err := strconv.Atoi(formValue(r, "port"))
	if err != nil {
		return failed("network", errors.New("the port must be a number from 1 to 65535"))
	}
	before := p.store.Get().Port
	if err := p.store.Update(func(s *Settings) error { s.Port = port; return nil }); err != nil {
		return failed("network", err)
	}
	if port == before {
		return done("network", "The port is unchanged.")
	}
	res := done("network", fmt.Sprintf("lagp now listens on port %d.", port))
	res.Moved, res.NewPort = true, port
	return res
}

func (p *page) setLAN(r *http.Request) result {
	var want bool
	switch formValue(r, "expose") {
	case "on":
		want = true
	case "off":
	default:
		return failed("network", errors.New("unknown exposure choice"))
	}
	key, err := newAPIKey(p.store.rand)
	if err != nil {
		return failed("network", err)
	}
	var created *APIKey
	var changed bool
	err = p.store.Update(func(s *Settings) error {
		changed = s.ExposeLAN != want
		if want && len(s.APIKeys) == 0 {
			created = &APIKey{Name: lanKeyName, Key: key, Created: p.keyTime()}
			s.APIKeys = append(s.APIKeys, *created)
		}
		s.ExposeLAN = want
		return nil
	})
	if err != nil {
		return failed("network", err)
	}
	res := done("network", "lagp listens on this computer only.")
	if want {
		res = done("network", "lagp is exposed on the local network; clients there need an API key.")
	}
	if created != nil {
		res.Message += fmt.Sprintf(" A key named %q was created for them.", lanKeyName)
		res.NewKey = created
	}
	res.Moved = changed
	return res
}

// keyTime stamps a key created by the page, with the store's clock like every other key.
func (p *page) keyTime() time.Time {
	return p.store.now().UTC().Truncate(time.Second)
}

func (p *page) addKey(r *http.Request) result {
	k, err := p.store.AddAPIKey(formValue(r, "name"))
	if err != nil {
		return failed("keys", err)
	}
	res := done("keys", fmt.Sprintf("API key %q created.", k.Name))
	res.NewKey = &k
	return res
}

func (p *page) revokeKey(r *http.Request) result {
	name := r.PostFormValue("name")
	err := p.store.Update(func(s *Settings) error {
		i := slices.IndexFunc(s.APIKeys, func(k APIKey) bool { return k.Name == name })
		if i < 0 {
			return fmt.Errorf("there is no API key named %q", name)
		}
		s.APIKeys = slices.Delete(s.APIKeys, i, i+1)
		return nil
	})
	if err != nil {
		return failed("keys", err)
	}
	return done("keys", fmt.Sprintf("API key %q revoked.", name))
}

func (p *page) addRemote(r *http.Request) result {
	rem := Remote{
		Name:       formValue(r, "name"),
		URL:        formValue(r, "url"),
		SyncSecret: formValue(r, "secret"),
	}
	err := p.store.Update(func(s *Settings) error {
		if slices.ContainsFunc(s.Remotes, func(o Remote) bool { return o.Name == rem.Name }) {
			return fmt.Errorf("a remote named %q already exists", rem.Name)
		}
		s.Remotes = append(s.Remotes, rem)
		return nil
	})
	if err != nil {
		return failed("remotes", err)
	}
	return done("remotes", fmt.Sprintf("Remote %q added.", rem.Name)+plainHTTPWarning(rem.URL))
}

func (p *page) updateRemote(r *http.Request) result {
	name, newURL, secret := r.PostFormValue("name"), formValue(r, "url"), formValue(r, "secret")
	err := p.store.Update(func(s *Settings) error {
		i := slices.IndexFunc(s.Remotes, func(o Remote) bool { return o.Name == name })
		if i < 0 {
			return fmt.Errorf("there is no remote named %q", name)
		}
		s.Remotes[i].URL = newURL
		if secret != "" {
			s.Remotes[i].SyncSecret = secret
		}
		return nil
	})
	if err != nil {
		return failed("remotes", err)
	}
	return done("remotes", fmt.Sprintf("Remote %q saved.", name)+plainHTTPWarning(newURL))
}

func (p *page) removeRemote(r *http.Request) result {
	name := r.PostFormValue("name")
	err := p.store.Update(func(s *Settings) error {
		i := slices.IndexFunc(s.Remotes, func(o Remote) bool { return o.Name == name })
		if i < 0 {
			return fmt.Errorf("there is no remote named %q", name)
		}
		s.Remotes = slices.Delete(s.Remotes, i, i+1)
		return nil
	})
	if err != nil {
		return failed("remotes", err)
	}
	return done("remotes", fmt.Sprintf("Remote %q removed.", name))
}

// plainHTTPWarning warns when a sign-in pushed to raw would cross the network unencrypted.
func plainHTTPWarning(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || isLoopbackHost(u.Hostname()) {
		return ""
	}
	return " Its URL is plain http: a pushed sign-in could be read on the way; prefer https " +
		"or an SSH tunnel."
}

func (p *page) setOptions(r *http.Request) result {
	err := p.store.Update(func(s *Settings) error {
		s.ReasoningField = formValue(r, "reasoning_field")
		s.LogLevel = formValue(r, "log_level")
		s.OllamaToolCallIDs = r.PostFormValue("ollama_tool_call_ids") == "on"
		s.StartAtLogin = r.PostFormValue("start_at_login") == "on"
		return nil
	})
	if err != nil {
		return failed("options", err)
	}
	return done("options", "Options saved.")
}
