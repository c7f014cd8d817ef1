package settings

import "html/template"

// pageData feeds the page templates. It is built from [Settings] through views that leave out
// every stored API key and sync secret, so no template can render one by mistake.
type pageData struct {
	Path      string
	Version   string
	ListenURL string
	File      string
	CSRF      string
	Current   settingsView
	Keys      []keyView
	Remotes   []remoteView
	LogLevels []string
	Flash     *flash
	Script    template.JS

	// Next and Refresh send the "moved" page on to the new address.
	Next    string
	Refresh string
	// Message explains a refusal.
	Message string
}

// settingsView holds the plain options the page shows.
type settingsView struct {
	Port              int
	ExposeLAN         bool
	ReasoningField    string
	OllamaToolCallIDs bool
	StartAtLogin      bool
	LogLevel          string
}

type keyView struct {
	Name    string
	Masked  string
	Created string
}

type remoteView struct {
	Name      string
	URL       string
	HasSecret bool
}

// baseData describes the current settings for the templates.
func (p *page) baseData() pageData {
	s := p.store.Get()
	d := pageData{
		Path:    PagePath,
		Version: p.opts.Version,
		File:    p.store.Path(),
		CSRF:    p.csrf,
		Current: settingsView{
			Port: s.Port, ExposeLAN: s.ExposeLAN, ReasoningField: s.ReasoningField,
			OllamaToolCallIDs: s.OllamaToolCallIDs, StartAtLogin: s.StartAtLogin,
			LogLevel: s.LogLevel,
		},
		LogLevels: LogLevels(),
		Script:    template.JS(copyScript),
	}
	if p.opts.ListenURL != nil {
		d.ListenURL = p.opts.ListenURL()
	}
	for _, k := range s.APIKeys {
		created := ""
		if !k.Created.IsZero() {
			created = k.Created.Local().Format("2006-01-02")
		}
		d.Keys = append(d.Keys, keyView{Name: k.Name, Masked: MaskKey(k.Key), Created: created})
	}
	for _, r := range s.Remotes {
		d.Remotes = append(d.Remotes, remoteView{
			Name: r.Name, URL: r.URL, HasSecret: r.SyncSecret != "",
		})
	}
	return d
}
