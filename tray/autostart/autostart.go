// Package autostart registers lagp to start when the user logs in: an XDG autostart entry on
// Linux and the BSDs, a LaunchAgent on macOS and a value under the HKCU Run key on Windows.
//
// Nothing here needs elevated rights; every location belongs to the current user.
package autostart

import (
	"fmt"
	"os"
	"strings"
)

// Entry describes the program started at login.
type Entry struct {
	// Exec is the absolute path of the executable.
	Exec string
	// Args are passed after Exec; usually none.
	Args []string
}

// Manager switches start-at-login on and off for one [Entry]. Its methods use the OS-specific
// location described in the package doc.
type Manager struct {
	entry Entry
}

// New returns a Manager for e.
func New(e Entry) *Manager {
	return &Manager{entry: e}
}

// ForExecutable returns a Manager for the running program, started without arguments.
func ForExecutable() (*Manager, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the lagp executable: %w", err)
	}
	return New(Entry{Exec: exe}), nil
}

// Set enables start at login when on is true and disables it otherwise.
func (m *Manager) Set(on bool) error {
	if on {
		return m.Enable()
	}
	return m.Disable()
}

// Enable registers the entry, replacing an earlier registration.
func (m *Manager) Enable() error {
	if m.entry.Exec == "" {
		return fmt.Errorf("enabling start at login: no executable path")
	}
	return enable(m.entry)
}

// Disable removes the registration; it is not an error when none exists.
func (m *Manager) Disable() error {
	return disable()
}

// Enabled reports whether a registration exists.
func (m *Manager) Enabled() (bool, error) {
	return enabled()
}

// desktopEntry renders an XDG autostart file (Desktop Entry Specification 1.5).
func desktopEntry(e Entry) string {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Version=1.5\n")
	b.WriteString("Name=lagp\n")
	b.WriteString("Comment=ChatGPT sign-in as a local OpenAI and Ollama API\n")
	b.WriteString("Exec=" + execLine(e) + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.String()
}

// execLine quotes the program and its arguments for a desktop entry's Exec key. Arguments are
// double-quoted when they hold a reserved character; inside quotes ", `, $ and \ are escaped
// with a backslash, and then every backslash is doubled again because Exec is a string value.
// A literal % is written %% so that it is not read as a field code.
func execLine(e Entry) string {
	parts := append([]string{e.Exec}, e.Args...)
	for i, p := range parts {
		parts[i] = quoteExecArg(p)
	}
	return strings.Join(parts, " ")
}

func quoteExecArg(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`") {
		return s
	}
	r := strings.NewReplacer(`"`, `\"`, "`", "\\`", `$`, `\$`, `\`, `\\`)
	quoted := `"` + r.Replace(s) + `"`
	return strings.ReplaceAll(quoted, `\`, `\\`)
}

// launchAgentLabel names the macOS LaunchAgent; the plist file is <label>.plist.
const launchAgentLabel = "dev.lagp"

// launchAgent renders a LaunchAgent property list that starts e once per login session.
func launchAgent(e Entry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ` +
		`"http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	b.WriteString("\t<key>Label</key>\n\t<string>" + launchAgentLabel + "</string>\n")
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range append([]string{e.Exec}, e.Args...) {
		b.WriteString("\t\t<string>" + xmlEscape(a) + "</string>\n")
	}
	b.WriteString("\t</array>\n")
	b.WriteString("\t<key>RunAtLoad</key>\n\t<true/>\n")
	b.WriteString("\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("\t<key>LimitLoadToSessionType</key>\n\t<string>Aqua</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return b.String()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"'", "&apos;").Replace(s)
}

// runValue renders the command line stored under the Windows Run key: every part quoted the
// way CommandLineToArgvW splits it back.
func runValue(e Entry) string {
	parts := append([]string{e.Exec}, e.Args...)
	for i, p := range parts {
		parts[i] = windowsQuote(p)
	}
	return strings.Join(parts, " ")
}

// windowsQuote quotes s for CommandLineToArgvW: backslashes are literal except before a quote,
// where they and the quote are escaped.
func windowsQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for _, c := range []byte(s) {
		switch c {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')
	return b.String()
}
