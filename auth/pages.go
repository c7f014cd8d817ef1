package auth

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed pages/page.html
var pageFiles embed.FS

// pageTemplate renders every page of the sign-in: one layout, the text varies.
var pageTemplate = template.Must(template.ParseFS(pageFiles, "pages/page.html"))

// pageCSS is the only style of the pages. It is inlined and allowed by its hash in the
// Content-Security-Policy, so the pages load nothing from anywhere.
const pageCSS = `
:root{color-scheme:light dark;--bg:#f5f5f4;--fg:#1c1917;--muted:#57534e;--card:#fff;
--ok:#15803d;--fail:#b91c1c;--line:#e7e5e4}
@media (prefers-color-scheme:dark){:root{--bg:#1c1917;--fg:#f5f5f4;--muted:#a8a29e;
--card:#292524;--ok:#4ade80;--fail:#f87171;--line:#44403c}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;
justify-content:center;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.card{max-width:34rem;margin:1.5rem;padding:2rem 2.25rem;background:var(--card);
border:1px solid var(--line);border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.mark{width:2.5rem;height:2.5rem;border-radius:50%;display:flex;align-items:center;
justify-content:center;color:#fff;font-weight:700;font-size:1.3rem}
.ok .mark{background:var(--ok)}.fail .mark{background:var(--fail)}
h1{font-size:1.35rem;margin:1rem 0 .5rem}
p{margin:.5rem 0}
.detail{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem;
padding:.6rem .8rem;border-radius:6px;background:var(--bg);overflow-wrap:anywhere}
.next{color:var(--muted)}
footer{color:var(--muted);font-size:.8rem}
`

// page is the content of one sign-in page.
type page struct {
	Status  int    // HTTP status
	OK      bool   // success styling
	Title   string // heading and window title
	Message string // what happened
	Detail  string // the issuer's own words, shown as given (escaped)
	Next    string // what the user can do now
	CSS     template.CSS
}

// Next-step texts shared by several pages.
const (
	nextRetry = "Start the sign-in again: run \"lagp login\", or choose Sign in from the " +
		"lagp menu."
	nextClose = "You can close this tab."
)

func pageSignedIn(message string) page {
	return page{Status: http.StatusOK, OK: true, Title: "Signed in", Message: message,
		Next: nextClose}
}

func pageStateMismatch() page {
	return page{Status: http.StatusBadRequest, Title: "This sign-in link does not match",
		Message: "The answer from OpenAI does not belong to the sign-in lagp is waiting " +
			"for (state mismatch). It may come from an older tab or another program.",
		Next: "Close this tab and use the newest sign-in tab, or start again: run " +
			"\"lagp login\", or choose Sign in from the lagp menu."}
}

func pageNoEntitlement(description string) page {
	return page{Status: http.StatusForbidden, Title: "Codex is not enabled for this workspace",
		Message: "You signed in, but the ChatGPT workspace you chose does not include Codex, " +
			"which lagp needs.",
		Detail: description,
		Next: "Ask the workspace admin to enable Codex, or start again and pick another " +
			"workspace or account."}
}

func pageRefused(e *OAuthError) page {
	return page{Status: http.StatusBadRequest, Title: "Sign-in was not completed",
		Message: "OpenAI did not complete the sign-in (" + e.Code + ").",
		Detail:  e.Description, Next: nextRetry}
}

func pageNoCode() page {
	return page{Status: http.StatusBadRequest, Title: "Sign-in was not completed",
		Message: "The answer from OpenAI carried no authorization code.", Next: nextRetry}
}

func pageExchangeFailed(err error) page {
	return page{Status: http.StatusBadGateway, Title: "Sign-in could not be finished",
		Message: "OpenAI accepted the sign-in, but lagp could not obtain the tokens.",
		Detail:  err.Error(), Next: nextRetry}
}

func pageSaveFailed(err error) page {
	return page{Status: http.StatusInternalServerError, Title: "Sign-in could not be saved",
		Message: "OpenAI signed you in, but lagp could not keep the sign-in.",
		Detail:  err.Error(), Next: nextRetry}
}

func pageUsed() page {
	return page{Status: http.StatusGone, Title: "This sign-in has already finished",
		Message: "Each sign-in link works once, and this one was already used or canceled.",
		Next:    nextRetry}
}

func pageUnavailable(err error) page {
	return page{Status: http.StatusServiceUnavailable, Title: "Sign-in cannot start",
		Message: "lagp could not start a browser sign-in.", Detail: err.Error(),
		Next: "Finish or cancel the other sign-in, then reload this page."}
}

// contentSecurityPolicy allows nothing but the page's own inline style.
func contentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// setPageHeaders sets the hardening headers shared by pages and redirects of the sign-in.
func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// writePage renders p as a complete response.
func writePage(w http.ResponseWriter, p page) {
	p.CSS = template.CSS(pageCSS)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		// The template is fixed and its data are strings, so this cannot happen at run time.
		http.Error(w, "rendering page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	setPageHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(p.Status)
	_, _ = w.Write(buf.Bytes())
}
