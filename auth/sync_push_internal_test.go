package auth

import (
	"net/url"
	"strings"
	"testing"
)

func TestSyncEndpoint(t *testing.T) {
	tests := []struct {
		raw, want, wantErr string
	}{
		{raw: "http://server:11434", want: "http://server:11434/auth/sync"},
		{raw: "https://lagp.example.com/", want: "https://lagp.example.com/auth/sync"},
		{raw: " https://h/prefix ", want: "https://h/prefix/auth/sync"},
		{raw: "http://h:11434/auth/sync", want: "http://h:11434/auth/sync"},
		{raw: "http://[::1]:11434", want: "http://[::1]:11434/auth/sync"},
		{raw: "server:11434", wantErr: "must start with http:// or https://"},
		{raw: "ftp://h", wantErr: "must start with http:// or https://"},
		{raw: "http://", wantErr: "has no host"},
		{raw: "https://user:hunter2@h", wantErr: "must not carry credentials"},
		{raw: "https://h/?secret=hunter2", wantErr: "must not have a query"},
		{raw: "https://h/#x", wantErr: "must not have a query"},
		{raw: "http://h/%zz", wantErr: "is not a URL"},
	}
	for _, tt := range tests {
		u, err := syncEndpoint(tt.raw)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("syncEndpoint(%q) error = %v, want %q", tt.raw, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("syncEndpoint(%q) error shows the secret: %v", tt.raw, err)
			}
		case err != nil:
			t.Errorf("syncEndpoint(%q): %v", tt.raw, err)
		case u.String() != tt.want:
			t.Errorf("syncEndpoint(%q) = %q, want %q", tt.raw, u, tt.want)
		}
	}
}

func TestPlainHTTPRemote(t *testing.T) {
	tests := map[string]bool{
		"http://server:11434":    true,
		"http://192.168.1.5":     true,
		"http://localhost:11434": false,
		"http://LOCALHOST":       false,
		"http://127.0.0.1:11434": false,
		"http://127.8.9.1":       false,
		"http://[::1]:11434":     false,
		"https://server":         false,
	}
	for raw, want := range tests {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := plainHTTPRemote(u); got != want {
			t.Errorf("plainHTTPRemote(%s) = %v, want %v", raw, got, want)
		}
	}
}
