package autostart

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDesktopEntry(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		exec  string
	}{
		{"plain path", Entry{Exec: "/usr/bin/lagp"}, "/usr/bin/lagp"},
		{"space in path", Entry{Exec: "/opt/my apps/lagp"}, `"/opt/my apps/lagp"`},
		{"arguments", Entry{Exec: "/usr/bin/lagp", Args: []string{"--port", "8080"}},
			"/usr/bin/lagp --port 8080"},
		{"percent", Entry{Exec: "/home/u/100%/lagp"}, "/home/u/100%%/lagp"},
		{"dollar and quote", Entry{Exec: `/tmp/a$b"c/lagp`}, `"/tmp/a\\$b\\"c/lagp"`},
		{"backslash", Entry{Exec: `/tmp/a\b/lagp`}, `"/tmp/a\\\\b/lagp"`},
		{"empty argument", Entry{Exec: "/usr/bin/lagp", Args: []string{""}}, `/usr/bin/lagp ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "[Desktop Entry]\n" +
				"Type=Application\n" +
				"Version=1.5\n" +
				"Name=lagp\n" +
				"Comment=ChatGPT sign-in as a local OpenAI and Ollama API\n" +
				"Exec=" + tt.exec + "\n" +
				"Terminal=false\n" +
				"X-GNOME-Autostart-enabled=true\n"
			if diff := cmp.Diff(want, desktopEntry(tt.entry)); diff != "" {
				t.Errorf("desktop entry (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLaunchAgent(t *testing.T) {
	got := launchAgent(Entry{Exec: "/Applications/lagp.app/Contents/MacOS/lagp",
		Args: []string{"--home", "/Users/a&b"}})
	want := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>dev.lagp</string>
	<key>ProgramArguments</key>
	<array>
		<string>/Applications/lagp.app/Contents/MacOS/lagp</string>
		<string>--home</string>
		<string>/Users/a&amp;b</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
</dict>
</plist>
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plist (-want +got):\n%s", diff)
	}
}

func TestRunValue(t *testing.T) {
	tests := []struct {
		entry Entry
		want  string
	}{
		{Entry{Exec: `C:\lagp\lagp.exe`}, `C:\lagp\lagp.exe`},
		{Entry{Exec: `C:\Program Files\lagp\lagp.exe`}, `"C:\Program Files\lagp\lagp.exe"`},
		{Entry{Exec: `C:\x.exe`, Args: []string{`a "b"`}}, `C:\x.exe "a \"b\""`},
		{Entry{Exec: `C:\x.exe`, Args: []string{`dir with space\`}}, `C:\x.exe "dir with space\\"`},
		{Entry{Exec: `C:\x.exe`, Args: []string{""}}, `C:\x.exe ""`},
	}
	for _, tt := range tests {
		if got := runValue(tt.entry); got != tt.want {
			t.Errorf("runValue(%q) = %s, want %s", tt.entry, got, tt.want)
		}
	}
}

func TestEnableRequiresExecutable(t *testing.T) {
	err := New(Entry{}).Enable()
	if err == nil || !strings.Contains(err.Error(), "no executable") {
		t.Fatalf("Enable with no path: %v", err)
	}
}
